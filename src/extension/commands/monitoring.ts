// Start Monitoring, Stop Monitoring, Recover Now.
import * as vscode from 'vscode';
import { endpointLabel } from '../../node/endpoints';
import { readSettings, SECTION, settingsTarget } from '../config';
import { DEFAULT_RPC } from '../monitorController';
import type { CommandContext } from './context';

export async function startMonitoring(ctx: CommandContext): Promise<void> {
  if (ctx.controller.running) {
    void vscode.window.showInformationMessage(`Missed Blocks: already monitoring ${ctx.controller.live?.source ?? ''}.`);
    return;
  }
  if (!ctx.trust.trusted) {
    // Asked for while restricted: it happens as soon as trust is granted.
    ctx.trust.whenTrusted('start', () => void startMonitoring(ctx).catch((e: Error) => ctx.log.error(`start after trust: ${e.message}`)));
    await ctx.trust.explain('monitoring starts');
    return;
  }
  const settings = readSettings(ctx.log);
  let urls = settings.rpcUrls;
  if (urls.length === 0) {
    const url = await askRpcUrl();
    if (!url) return;
    urls = [url];
    // Remembered, so the next Start does not ask again.
    await vscode.workspace.getConfiguration(SECTION).update('rpcUrls', urls, settingsTarget());
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Missed Blocks: starting the monitor' },
    () => ctx.controller.start(urls),
  );
}

/** No RPC configured: the local node's default (anvil, hardhat), or any URL. */
async function askRpcUrl(): Promise<string | undefined> {
  const enter = 'Enter an RPC URL…';
  const pick = await vscode.window.showQuickPick(
    [
      { label: DEFAULT_RPC, description: 'local node (anvil and hardhat default)' },
      { label: enter, description: 'http(s):// or ws(s)://' },
    ],
    { title: 'Start Monitoring', placeHolder: 'No RPC endpoint is set (missedBlocks.rpcUrls). Which node?', ignoreFocusOut: true },
  );
  if (!pick) return undefined;
  if (pick.label !== enter) return pick.label;
  const url = await vscode.window.showInputBox({
    title: 'Start Monitoring',
    prompt: 'JSON-RPC endpoint of the node to monitor (saved to missedBlocks.rpcUrls)',
    placeHolder: 'ws://127.0.0.1:8546 or https://…',
    ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        endpointLabel(v.trim());
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
  return url?.trim() || undefined;
}

export async function stopMonitoring(ctx: CommandContext): Promise<void> {
  if (!ctx.controller.running) {
    void vscode.window.showInformationMessage('Missed Blocks: not monitoring.');
    return;
  }
  await ctx.controller.stop();
}

export async function recoverNow(ctx: CommandContext): Promise<void> {
  const live = ctx.state.logs().find((l) => l.view.live);
  if (!ctx.controller.running || !live) {
    const start = 'Start Monitoring';
    const pick = await vscode.window.showInformationMessage('Missed Blocks: Recover Now works on a running monitor.', start);
    if (pick === start) await vscode.commands.executeCommand('missedBlocks.startMonitoring');
    return;
  }
  const candidates = live.entries.map((e) => e.record).filter((r) => (r.kind ?? 'gap') === 'gap' && !r.recovered);
  const res = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Missed Blocks: recovering missed blocks' },
    () => ctx.controller.recoverNow(candidates),
  );
  if (!res) return;
  const msg =
    res.tried === 0
      ? 'Missed Blocks: nothing to recover.'
      : `Missed Blocks: recovered ${res.recovered} of ${res.tried} missed block${res.tried === 1 ? '' : 's'}.`;
  ctx.log.info(msg);
  void vscode.window.showInformationMessage(msg);
}
