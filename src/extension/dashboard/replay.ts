// "Missed Blocks: Replay Log…": pick any log (an active .jsonl plays its rotated parts first; a
// rotated .jsonl.gz plays alone) and a speed, and watch it unfold in the dashboard.
import * as vscode from 'vscode';
import { REPLAY_SPEEDS } from '../../common/protocol';
import { DashboardPanel, type DashboardDeps } from './panel';

export function speedLabel(speed: number): string {
  if (speed === 0) return 'As fast as possible';
  if (speed === 1) return 'Real time (1×)';
  if (speed % 3600 === 0) return `${speed}× (an hour a second)`;
  if (speed % 60 === 0) return `${speed}× (${speed / 60 === 1 ? 'a minute' : `${speed / 60} minutes`} a second)`;
  return `${speed}×`;
}

/** Arguments (for tests and other commands): a file Uri and a speed skip the prompts. */
export async function replayLog(context: vscode.ExtensionContext, deps: DashboardDeps, uri?: unknown, speedArg?: unknown): Promise<void> {
  let file = uri instanceof vscode.Uri ? uri.fsPath : typeof uri === 'string' ? uri : undefined;
  if (!file) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Replay Log',
      openLabel: 'Replay',
      canSelectMany: false,
      filters: { 'Missed-block logs': ['jsonl', 'gz'] },
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    file = picked?.[0]?.fsPath;
  }
  if (!file) return;
  let speed = typeof speedArg === 'number' && speedArg >= 0 ? speedArg : undefined;
  if (speed === undefined) {
    const pick = await vscode.window.showQuickPick(
      REPLAY_SPEEDS.map((s) => ({ label: speedLabel(s), speed: s as number })),
      { title: 'Replay speed', placeHolder: 'Log time per second of replay' },
    );
    if (!pick) return;
    speed = pick.speed;
  }
  DashboardPanel.show(context, deps, { mode: 'replay', file, speed });
}
