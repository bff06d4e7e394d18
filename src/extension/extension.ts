// Entry point. activate() only wires things up: the log search starts in the background, the
// monitor (and the chain libraries) load on the first Start. Its duration is logged ("activated
// in N ms"); a failure is shown, logged and rethrown so VS Code marks the extension as failed.
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { affectsRestart, SECTION } from './config';
import { MonitorController, setContext } from './monitorController';
import { Notifications } from './notifications';
import { createOutput, describe } from './output';
import { Secrets } from './secrets';
import { StatusBar } from './statusBar';
import { MissedBlocksTree } from './tree';
import { Trust } from './trust';
import { ViewState } from './viewState';
import { recogniseLogs } from './logLanguage';
import { pickLog } from './commands/pickLog';
import { registerDashboard } from './dashboard';
import { Fleet, FLEET_COMMANDS } from './fleet/fleet';
import { startHostProbe } from './hostProbe';
import { LANGUAGE_ID } from '../common/languageId';


let controller: MonitorController | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const t0 = performance.now();
  const log = createOutput();
  context.subscriptions.push(log);
  const probe = startHostProbe(log);
  if (probe) context.subscriptions.push(probe);
  try {
    const trust = new Trust();
    const secrets = new Secrets(context.secrets);
    controller = new MonitorController(log, secrets, trust);
    const state = new ViewState(controller, log);
    const fleet = new Fleet(secrets, trust, log, () => state.settings);
    const tree = new MissedBlocksTree(state, trust, fleet);
    const notifications = new Notifications(state, log, controller);
    context.subscriptions.push(trust, controller, state, fleet, tree, new StatusBar(state, trust), notifications);
    const commandContext = { log, controller, state, trust, secrets };
    context.subscriptions.push(...registerCommands(commandContext));
    context.subscriptions.push(
      registerDashboard(context, {
        log,
        pickLog: (title) => pickLog(commandContext, title),
        settings: () => state.settings,
        fleetUrl: () => fleet.usableUrl(),
        monitoredLog: () => controller?.live?.logFile,
        onMonitorChange: controller.onDidChange,
        logWorker: (file) => state.logWorker(file),
      }),
      vscode.commands.registerCommand(FLEET_COMMANDS.set, () => guard(log, 'Set Fleet Database URL', () => fleet.setUrl())),
      vscode.commands.registerCommand(FLEET_COMMANDS.refresh, () => guard(log, 'Refresh Fleet', () => fleet.refresh())),
    );
    context.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(SECTION)) return;
        state.settingsChanged();
        notifications.settingsChanged();
        if (controller?.running && affectsRestart(e)) void offerRestart(controller);
      }),
    );
    // Before the client: a recognised document's language change is an open of our language.
    context.subscriptions.push(recogniseLogs());
    registerLanguageClient(context, log);
    void setContext('missedBlocks.monitoring', false);
    if (state.settings.autoStart) {
      // Restricted Mode: the start waits for trust (and then happens without asking).
      trust.whenTrusted('start', () => void vscode.commands.executeCommand('missedBlocks.startMonitoring'));
    }
    log.info(`activated in ${(performance.now() - t0).toFixed(1)} ms${trust.trusted ? '' : ' (Restricted Mode: nothing connects until the workspace is trusted)'}`);
  } catch (err) {
    log.error(`activation failed: ${describe(err)}`);
    void vscode.window.showErrorMessage(`Missed Block Monitor failed to start: ${describe(err)}`);
    throw err;
  }
}

/**
 * The language server is a separate process: start it when the first log document is opened, not
 * in activate (most activations come from the tree view and never open a log as text).
 */
function registerLanguageClient(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  let started = false;
  const start = (doc: vscode.TextDocument) => {
    if (started || doc.languageId !== LANGUAGE_ID) return;
    started = true;
    // The client library is loaded with it (dist/extension-lazy.js), not at activation.
    import('./languageClient.ts').then(({ startLanguageClient }) => startLanguageClient(context, log)).then(
      (client) => context.subscriptions.push(client),
      (err) => log.error(`language server failed to start: ${describe(err)}`),
    );
  };
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(start));
  vscode.workspace.textDocuments.forEach(start);
}

/** Flush the log and the checkpoint before the extension host goes away. */
export async function deactivate(): Promise<void> {
  await controller?.shutdown();
  controller = undefined;
}

async function offerRestart(c: MonitorController): Promise<void> {
  const restart = 'Restart Monitoring';
  const pick = await vscode.window.showInformationMessage('Missed Blocks: settings changed; the running monitor uses them after a restart.', restart);
  if (pick === restart) await c.restart();
}

/** A command's failure is logged and shown, never lost. */
async function guard(log: vscode.LogOutputChannel, what: string, f: () => Promise<void>): Promise<void> {
  try {
    await f();
  } catch (err) {
    log.error(`${what}: ${describe(err)}`);
    void vscode.window.showErrorMessage(`Missed Blocks: ${what} failed: ${describe(err)}`);
  }
}
