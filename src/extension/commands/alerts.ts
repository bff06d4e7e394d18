// Set Alert Webhook… and its shortcuts (Set Alertmanager URL…, Set PagerDuty Routing Key…, Set
// Telegram Bot Token…): secrets go to SecretStorage, never to settings (model/alertSecret.ts).
// Setting one offers to add its channel to missedBlocks.alertChannels and to restart the monitor.
import * as vscode from 'vscode';
import { readSettings, SECTION, settingsTarget } from '../config';
import { setAlertSecret } from '../model/alertSecret';
import { SECRET_KINDS, type SecretName } from '../secrets';
import type { CommandContext } from './context';

export async function setAlertWebhook(ctx: CommandContext, only?: SecretName): Promise<void> {
  await setAlertSecret(
    {
      ui: {
        pick: async (items) => (await vscode.window.showQuickPick(items, { title: 'Set Alert Webhook', placeHolder: 'Which secret? (kept in SecretStorage, not in settings.json)' }))?.secret,
        input: async (o) =>
          vscode.window.showInputBox({ title: o.title, prompt: o.prompt, password: true, ignoreFocusOut: true, validateInput: (v) => o.problem(v) }),
        info: async (message, ...actions) => vscode.window.showInformationMessage(message, ...actions),
      },
      secrets: ctx.secrets,
      log: ctx.log,
      channels: () => readSettings(ctx.log).alertChannels,
      setChannels: (channels) => vscode.workspace.getConfiguration(SECTION).update('alertChannels', channels, settingsTarget()),
      running: ctx.controller.running,
      restart: async () => {
        await ctx.controller.restart();
      },
    },
    only ? SECRET_KINDS.find((k) => k.name === only) : undefined,
  );
}
