// The missed-block-log language server. Started by the extension over IPC (languageClient.ts), or
// by any other editor over stdio (`mbm lsp`, or `node dist/server.js` with or without `--stdio`). Documents are tracked here rather
// than with TextDocuments because incremental parsing needs each change's range, which
// TextDocuments applies and forgets.
import { createConnection, MessageType, ProposedFeatures, ShowMessageNotification, TextDocumentSyncKind, type Connection } from 'vscode-languageserver/node';
import { DocumentStatsRequest, SHOW_STREAK_COMMAND } from '../common/lspProtocol';
import { codeLenses, streakMessage } from './codeLens';
import { documentDiagnostics } from './diagnostics';
import { LogDocument } from './documentModel';
import { foldingRanges } from './folding';
import { hoverAt } from './hover';
import { documentSymbols } from './symbols';

export function startServer(connection: Connection): void {
  const docs = new Map<string, LogDocument>();
  // Several changes in one tick (a burst of appends) publish once.
  const dirty = new Set<LogDocument>();
  let publishQueued = false;

  const publish = () => {
    publishQueued = false;
    for (const doc of dirty) {
      if (docs.get(doc.uri) !== doc || doc.pendingLines > 0) continue;
      void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: documentDiagnostics(doc) });
    }
    dirty.clear();
  };
  const onParsed = (doc: LogDocument) => {
    dirty.add(doc);
    if (!publishQueued) {
      publishQueued = true;
      setImmediate(publish);
    }
  };

  /** The document once fully parsed; undefined when it was closed meanwhile (or never opened). */
  const parsed = async (uri: string): Promise<LogDocument | undefined> => {
    const doc = docs.get(uri);
    if (!doc) return undefined;
    await doc.whenParsed();
    return docs.get(uri) === doc ? doc : undefined;
  };

  connection.onInitialize(() => ({
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      hoverProvider: true,
      documentSymbolProvider: { label: 'Missed block streaks' },
      foldingRangeProvider: true,
      codeLensProvider: { resolveProvider: false },
      executeCommandProvider: { commands: [SHOW_STREAK_COMMAND] },
    },
    serverInfo: { name: 'missed-block-log' },
  }));

  connection.onDidOpenTextDocument(({ textDocument: t }) => {
    docs.get(t.uri)?.close();
    docs.set(t.uri, new LogDocument(t.uri, t.version, t.text, onParsed));
  });
  connection.onDidChangeTextDocument(({ textDocument: t, contentChanges }) => {
    docs.get(t.uri)?.applyChanges(contentChanges, t.version);
  });
  connection.onDidCloseTextDocument(({ textDocument: t }) => {
    docs.get(t.uri)?.close();
    docs.delete(t.uri);
    void connection.sendDiagnostics({ uri: t.uri, diagnostics: [] });
  });

  connection.onHover(async ({ textDocument, position }) => {
    const doc = await parsed(textDocument.uri);
    return doc ? hoverAt(doc, position.line, Date.now() / 1000) : null;
  });
  connection.onDocumentSymbol(async ({ textDocument }) => {
    const doc = await parsed(textDocument.uri);
    return doc ? documentSymbols(doc) : null;
  });
  connection.onFoldingRanges(async ({ textDocument }) => {
    const doc = await parsed(textDocument.uri);
    return doc ? foldingRanges(doc) : null;
  });
  connection.onCodeLens(async ({ textDocument }) => {
    const doc = await parsed(textDocument.uri);
    return doc ? codeLenses(doc) : null;
  });
  connection.onExecuteCommand(async ({ command, arguments: args }) => {
    if (command !== SHOW_STREAK_COMMAND || typeof args?.[0] !== 'string' || typeof args[1] !== 'number') return null;
    const doc = await parsed(args[0]);
    const text = doc ? streakMessage(doc, args[1]) : undefined;
    // A notification, not window/showMessageRequest: nothing to answer, so every client shows it.
    void connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Info, message: text ?? 'No streak at this line any more (the log changed).' });
    return null;
  });
  // Not waiting for the parse: the tests read pendingLines to see a big document being sliced.
  connection.onRequest(DocumentStatsRequest.type, ({ uri }) => docs.get(uri)?.stats() ?? null);

  connection.listen();
}

/** A transport named on the command line (the extension passes --node-ipc)? Otherwise stdio. */
export function hasTransportFlag(argv: readonly string[]): boolean {
  return argv.some((a) => /^--(node-ipc|stdio|socket|pipe)(=|$)/.test(a));
}

// The transport (--node-ipc, --stdio, --socket=N, --pipe=NAME) comes from the command line; none
// means stdio, what editors other than VS Code start a server with. createConnection reads
// process.argv, and with --stdio also sends console output to the client instead of stdout.
if (!hasTransportFlag(process.argv.slice(2))) process.argv.push('--stdio');
startServer(createConnection(ProposedFeatures.all));
