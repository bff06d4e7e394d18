// Starts the real missed-block-log language server as a child process and talks to it over Node
// IPC (the transport the extension uses) with vscode-languageserver-protocol's JSON-RPC client,
// or over the child's stdin/stdout (startLspOverStdio: what Neovim, Helix and Emacs do).
// By default the TypeScript source runs under tsx, so the tests need no build; `bundle: true`
// runs dist/server.js as shipped.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import {
  CodeLensRequest,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  DocumentSymbolRequest,
  ExecuteCommandRequest,
  ExitNotification,
  FoldingRangeRequest,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  IPCMessageReader,
  IPCMessageWriter,
  PublishDiagnosticsNotification,
  ShowMessageNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type InitializeResult,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';
import { DocumentStatsRequest, LANGUAGE_ID, type DocumentStats } from '../../src/common/lspProtocol';

const root = path.join(__dirname, '..', '..');
export const SERVER_SOURCE = path.join(root, 'src', 'lsp', 'server.ts');
export const SERVER_BUNDLE = path.join(root, 'dist', 'server.js');

/** Upper bound for any single wait; a healthy server answers in milliseconds. */
const DEADLINE_MS = 60_000;

export class LspSession {
  private readonly latest = new Map<string, PublishDiagnosticsParams>();
  private readonly publishes = new Map<string, number>();
  private waiters: { uri: string; ok: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  private exited = false;
  /** window/showMessage texts, in arrival order. */
  readonly messages: string[] = [];
  initializeResult: InitializeResult | undefined;

  constructor(
    readonly conn: ProtocolConnection,
    readonly child: ChildProcess,
  ) {
    child.once('exit', () => (this.exited = true));
    conn.onNotification(ShowMessageNotification.type, (p) => this.messages.push(p.message));
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.latest.set(p.uri, p);
      this.publishes.set(p.uri, (this.publishes.get(p.uri) ?? 0) + 1);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri !== p.uri || !w.ok(p)) return true;
        w.resolve(p);
        return false;
      });
    });
  }

  get alive(): boolean {
    return !this.exited && this.child.exitCode === null;
  }

  open(uri: string, text: string, version = 1): void {
    this.latest.delete(uri); // what a previous open published must not answer for this one
    void this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: LANGUAGE_ID, version, text } });
  }

  change(uri: string, version: number, contentChanges: TextDocumentContentChangeEvent[]): void {
    void this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges });
  }

  close(uri: string): void {
    void this.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  /** The current or next diagnostics for `uri` published for `version` or later. */
  diagnostics(uri: string, version: number): Promise<Diagnostic[]> {
    const ok = (p: PublishDiagnosticsParams) => (p.version ?? -1) >= version;
    const have = this.latest.get(uri);
    if (have && ok(have)) return Promise.resolve(have.diagnostics);
    return withDeadline(
      new Promise<PublishDiagnosticsParams>((resolve) => this.waiters.push({ uri, ok, resolve })).then((p) => p.diagnostics),
      `diagnostics for ${uri} v${version}`,
    );
  }

  publishCount(uri: string): number {
    return this.publishes.get(uri) ?? 0;
  }

  stats(uri: string): Promise<DocumentStats | null> {
    return withDeadline(this.conn.sendRequest(DocumentStatsRequest.type, { uri }), 'stats');
  }

  hover(uri: string, line: number, character = 1) {
    return withDeadline(this.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } }), 'hover');
  }

  symbols(uri: string) {
    return withDeadline(this.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } }), 'symbols');
  }

  folding(uri: string) {
    return withDeadline(this.conn.sendRequest(FoldingRangeRequest.type, { textDocument: { uri } }), 'folding');
  }

  codeLens(uri: string) {
    return withDeadline(this.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } }), 'codeLens');
  }

  executeCommand(command: string, args: unknown[]) {
    return withDeadline(this.conn.sendRequest(ExecuteCommandRequest.type, { command, arguments: args }), 'executeCommand');
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      await withDeadline(this.conn.sendRequest(ShutdownRequest.type), 'shutdown');
      void this.conn.sendNotification(ExitNotification.type);
      await withDeadline(exited, 'exit');
    } finally {
      this.conn.dispose();
      if (this.alive) this.child.kill();
    }
  }
}

function withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${DEADLINE_MS} ms: ${what}`)), DEADLINE_MS);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

export async function startLspServer(opts: { bundle?: boolean } = {}): Promise<LspSession> {
  const child = opts.bundle
    ? fork(SERVER_BUNDLE, ['--node-ipc'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
    : fork(SERVER_SOURCE, ['--node-ipc'], { cwd: root, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return initialized(createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child)), child);
}

async function initialized(conn: ProtocolConnection, child: ChildProcess): Promise<LspSession> {
  conn.listen();
  const session = new LspSession(conn, child);
  session.initializeResult = await withDeadline(conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} }), 'initialize');
  void conn.sendNotification(InitializedNotification.type, {});
  return session;
}

/**
 * `node <args>` with the client on its stdin/stdout, as other editors start a server; stderr is
 * collected in `stderr` (a crash's stack trace lands there).
 */
export async function startLspOverStdio(args: string[]): Promise<LspSession & { stderr: () => string }> {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`server exited (${code}) before initialize:\n${err}`))));
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const session = await Promise.race([initialized(conn, child), exited]).catch((e: Error) => {
    child.kill();
    throw e;
  });
  return Object.assign(session, { stderr: () => err });
}
