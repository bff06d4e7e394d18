// The dashboard's part of activation: its two commands and the panel serializer. Nothing heavy
// loads here; the feeds (reader, validator) load when a panel first shows something.
import * as vscode from 'vscode';
import { describe } from '../output';
import { DashboardPanel, type DashboardDeps } from './panel';
import { replayLog } from './replay';
import { registerSerializer } from './serializer';

export type { DashboardDeps } from './panel';

export const DASHBOARD_COMMANDS = {
  open: 'missedBlocks.openDashboard',
  replay: 'missedBlocks.replayLog',
  fleet: 'missedBlocks.openFleetDashboard',
} as const;

/** Every monitor of the shared store in one dashboard (needs a fleet URL and a trusted workspace). */
async function openFleetDashboard(context: vscode.ExtensionContext, deps: DashboardDeps): Promise<void> {
  const url = await deps.fleetUrl();
  if (!url) {
    const set = 'Set Fleet Database URL…';
    const pick = await vscode.window.showWarningMessage(
      vscode.workspace.isTrusted ? 'Missed Blocks: no fleet database is set.' : 'Missed Blocks: the fleet database is not read in Restricted Mode.',
      ...(vscode.workspace.isTrusted ? [set] : []),
    );
    if (pick === set) await vscode.commands.executeCommand('missedBlocks.setFleetDatabase');
    return;
  }
  const { describePostgresUrl } = await import('../../node/store/connect.ts');
  DashboardPanel.show(context, deps, { mode: 'fleet', where: describePostgresUrl(url) });
}

/** Open the dashboard on the given log (a Uri from a menu or notification), else the user's pick. */
async function openDashboard(context: vscode.ExtensionContext, deps: DashboardDeps, uri?: unknown): Promise<void> {
  const file = uri instanceof vscode.Uri ? uri.fsPath : typeof uri === 'string' ? uri : await deps.pickLog('Open Dashboard');
  if (file) DashboardPanel.show(context, deps, { mode: 'live', file });
}

export function registerDashboard(context: vscode.ExtensionContext, deps: DashboardDeps): vscode.Disposable {
  const guarded = (name: string, fn: (...args: unknown[]) => Promise<void>) =>
    vscode.commands.registerCommand(name, async (...args: unknown[]) => {
      try {
        await fn(...args);
      } catch (err) {
        deps.log.error(`${name}: ${describe(err)}`);
        void vscode.window.showErrorMessage(`Missed Blocks: ${describe(err)}`);
      }
    });
  return vscode.Disposable.from(
    guarded(DASHBOARD_COMMANDS.open, (uri) => openDashboard(context, deps, uri)),
    guarded(DASHBOARD_COMMANDS.replay, (uri, speed) => replayLog(context, deps, uri, speed)),
    guarded(DASHBOARD_COMMANDS.fleet, () => openFleetDashboard(context, deps)),
    registerSerializer(context, deps),
    { dispose: () => DashboardPanel.current?.dispose() },
  );
}
