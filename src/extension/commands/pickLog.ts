// Which log a command works on: the only one there is, or the user's choice (this window's own
// log first). Says what to do when there is none.
import * as vscode from 'vscode';
import { plural } from '../model/format';
import { chainText } from '../model/treeModel';
import { noIcons } from '../output';
import type { CommandContext } from './context';

export async function pickLog(ctx: CommandContext, title: string): Promise<string | undefined> {
  await ctx.state.ensureStarted();
  const logs = ctx.state.logs();
  if (logs.length === 0) {
    const start = 'Start Monitoring';
    const pick = await vscode.window.showInformationMessage(
      `Missed Blocks: no missed-block log in this workspace yet. Start Monitoring writes ${ctx.state.settings.logFile}.`,
      start,
    );
    if (pick === start) await vscode.commands.executeCommand('missedBlocks.startMonitoring');
    return undefined;
  }
  if (logs.length === 1) return logs[0].view.file;
  const pick = await vscode.window.showQuickPick(
    logs.map((l) => ({
      label: noIcons(l.view.displayName),
      // With [[chains]] each chain has its own log: the chain tells them apart here (the dashboard's chain choice).
      description: [chainText(l.entries), l.view.live ? 'monitoring' : plural(l.summary.report.total_missed, 'record')].filter(Boolean).join(' · '),
      file: l.view.file,
    })),
    { title, placeHolder: 'Which log?' },
  );
  return pick?.file;
}
