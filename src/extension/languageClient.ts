// Starts the missed-block-log language server (dist/server.js, its own process) and connects to it
// over Node IPC. The extension's activate calls startLanguageClient once and keeps the returned
// Disposable; disposing it stops the server (its promise settles when the server has exited, so
// deactivate may return it).
import type * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { LANGUAGE_ID } from '../common/lspProtocol';

/** Port for "Attach to language server" when the extension runs in debug mode. */
const DEBUG_PORT = 6011;

export async function startLanguageClient(context: vscode.ExtensionContext, output?: vscode.OutputChannel): Promise<vscode.Disposable> {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', `--inspect=${DEBUG_PORT}`] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: LANGUAGE_ID },
      { scheme: 'untitled', language: LANGUAGE_ID },
    ],
    ...(output ? { outputChannel: output } : {}),
    // Hovers render text from the log: never trusted, no HTML (the server escapes it as well).
    markdown: { isTrusted: false, supportHtml: false },
  };
  const client = new LanguageClient('missedBlockLog', 'Missed Block Log', serverOptions, clientOptions);
  await client.start();
  let stopped: Promise<void> | undefined;
  return { dispose: () => (stopped ??= client.stop()) };
}
