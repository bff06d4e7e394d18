// Set Alert Webhook…: webhook URLs and the SMTP password go to SecretStorage, never to settings.
// Setting one offers to add its channel to missedBlocks.alertChannels and to restart the monitor.
import * as vscode from 'vscode';
import { readSettings, SECTION, settingsTarget } from '../config';
import { SECRET_KINDS } from '../secrets';
import type { CommandContext } from './context';

export async function setAlertWebhook(ctx: CommandContext): Promise<void> {
  const items = await Promise.all(
    SECRET_KINDS.map(async (kind) => ({
      label: kind.label,
      description: (await ctx.secrets.has(kind.name)) ? 'set' : 'not set',
      detail: kind.detail,
      secret: kind,
    })),
  );
  const pick = await vscode.window.showQuickPick(items, { title: 'Set Alert Webhook', placeHolder: 'Which secret? (kept in SecretStorage, not in settings.json)' });
  if (!pick) return;
  const kind = pick.secret;
  const value = await vscode.window.showInputBox({
    title: `Set Alert Webhook: ${kind.label}`,
    prompt: `${kind.label}, stored in SecretStorage. Leave empty to remove it.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (v) => (v.trim() === '' || !kind.isUrl ? undefined : httpUrlProblem(v.trim())),
  });
  if (value === undefined) return;
  if (value.trim() === '') {
    await ctx.secrets.delete(kind.name);
    ctx.log.info(`removed the ${kind.label} from SecretStorage`);
    void vscode.window.showInformationMessage(`Missed Blocks: ${kind.label} removed.`);
  } else {
    await ctx.secrets.store(kind.name, value.trim());
    // Never the value itself: it is the secret.
    ctx.log.info(`stored the ${kind.label} in SecretStorage`);
    const settings = readSettings(ctx.log);
    if (!settings.alertChannels.includes(kind.channel)) {
      const add = `Add "${kind.channel}"`;
      const answer = await vscode.window.showInformationMessage(
        `Missed Blocks: ${kind.label} stored. Alerts go out on "${kind.channel}" only when missedBlocks.alertChannels lists it.`,
        add,
      );
      if (answer === add) {
        await vscode.workspace.getConfiguration(SECTION).update('alertChannels', [...settings.alertChannels, kind.channel], settingsTarget());
      }
    } else {
      void vscode.window.showInformationMessage(`Missed Blocks: ${kind.label} stored.`);
    }
  }
  if (ctx.controller.running) {
    const restart = 'Restart Monitoring';
    const answer = await vscode.window.showInformationMessage('Missed Blocks: the running monitor uses the new secret after a restart.', restart);
    if (answer === restart) await ctx.controller.restart();
  }
}

function httpUrlProblem(v: string): string | undefined {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'an http:// or https:// URL';
  } catch {
    return 'an http:// or https:// URL';
  }
}
