// Start Monitoring, Stop Monitoring, Recover Now.
import * as vscode from 'vscode';
import { endpointLabel } from '../../node/endpoints';
import { SECTION, settingsTarget } from '../config';
import { firstRunChoices, LOCAL_RPC } from '../model/endpointChoice';
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
  let urls: string[] | undefined;
  if ((await ctx.controller.endpoints()).urls.length === 0) {
    const { anvilAvailable } = await import('../../node/chain/anvil.ts');
    const choice = await vscode.window.showQuickPick(
      firstRunChoices({ anvilAvailable: anvilAvailable() }),
      { title: 'Start Monitoring', placeHolder: 'No RPC endpoint is set. Which node?', ignoreFocusOut: true },
    );
    if (!choice) return;
    if (choice.id === 'local') {
      // Remembered, so the next Start does not ask again (a local URL holds no key).
      await vscode.workspace.getConfiguration(SECTION).update('rpcUrls', [LOCAL_RPC], settingsTarget());
    } else if (choice.id === 'enter') {
      if (!(await askRpcUrl(ctx))) return;
    } else {
      urls = [await ctx.controller.startLocalAnvil()];
    }
  }
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Missed Blocks: starting the monitor' },
    () => ctx.controller.start(urls),
  );
}

/**
 * "Set RPC Endpoint…" and the first run's "Enter a URL…": a password input (a provider URL carries
 * its API key), kept in SecretStorage, never in settings.json; the log names it by host:port only.
 * Empty removes it. Returns whether an endpoint is stored.
 */
export async function askRpcUrl(ctx: CommandContext): Promise<boolean> {
  const url = await vscode.window.showInputBox({
    title: 'Set RPC Endpoint',
    prompt: 'JSON-RPC endpoint of the node to monitor, kept in SecretStorage (not in settings.json). Empty: remove it.',
    placeHolder: 'wss://mainnet.example.io/v3/<key> or http://127.0.0.1:8545',
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => {
      if (v.trim() === '') return undefined;
      try {
        endpointLabel(v.trim());
        return undefined;
      } catch (err) {
        return (err as Error).message;
      }
    },
  });
  if (url === undefined) return false;
  if (url.trim() === '') {
    await ctx.secrets.storeRpcUrl(undefined);
    ctx.log.info('removed the RPC endpoint from SecretStorage');
    return false;
  }
  await ctx.secrets.storeRpcUrl(url.trim());
  ctx.log.info(`stored the RPC endpoint ${endpointLabel(url.trim())} in SecretStorage`);
  return true;
}

export async function setRpcEndpoint(ctx: CommandContext): Promise<void> {
  if (!(await askRpcUrl(ctx)) || !ctx.controller.running) return;
  const restart = 'Restart Monitoring';
  const answer = await vscode.window.showInformationMessage('Missed Blocks: the running monitor uses the new endpoint after a restart.', restart);
  if (answer === restart) await ctx.controller.restart();
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
