// Webhook URLs carry their token, SMTP has a password, PagerDuty a routing key, Telegram a bot token,
// an Alertmanager URL perhaps a login: they live in SecretStorage (the OS keychain or code-server's
// encrypted store), never in settings.json, and reach the monitor's alert config only when a run
// starts (model/settings.ts monitorConfigFrom).
import type * as vscode from 'vscode';
import type { AlertSecrets } from './model/settings';

export type SecretName = keyof AlertSecrets;

export interface SecretKind {
  name: SecretName;
  /** The alert channel it belongs to. */
  channel: 'webhook' | 'slack' | 'discord' | 'email' | 'alertmanager' | 'pagerduty' | 'telegram';
  label: string;
  detail: string;
  isUrl: boolean;
  /** What is wrong with a value typed in (undefined: fine), beyond being a URL when isUrl. */
  problem?(v: string): string | undefined;
}

export const SECRET_KINDS: readonly SecretKind[] = [
  { name: 'webhookUrl', channel: 'webhook', label: 'Webhook URL', detail: 'JSON POST to any HTTP(S) endpoint', isUrl: true },
  { name: 'slackWebhook', channel: 'slack', label: 'Slack incoming webhook', detail: 'https://hooks.slack.com/services/…', isUrl: true },
  { name: 'discordWebhook', channel: 'discord', label: 'Discord webhook', detail: 'https://discord.com/api/webhooks/…', isUrl: true },
  { name: 'smtpPassword', channel: 'email', label: 'SMTP password', detail: 'for missedBlocks.alerts.smtpUser', isUrl: false },
  { name: 'alertmanagerUrl', channel: 'alertmanager', label: 'Alertmanager URL', detail: 'http://127.0.0.1:9093 (a login may be in it: https://user:password@host)', isUrl: true },
  {
    name: 'pagerdutyRoutingKey',
    channel: 'pagerduty',
    label: 'PagerDuty routing key',
    detail: 'the integration key of an Events API v2 service',
    isUrl: false,
    problem: (v) => (/^[A-Za-z0-9]{20,64}$/.test(v) ? undefined : 'a routing (integration) key: 20 to 64 letters and digits'),
  },
  {
    name: 'telegramBotToken',
    channel: 'telegram',
    label: 'Telegram bot token',
    detail: '123456:ABC-DEF… from @BotFather; the chat is missedBlocks.alerts.telegramChatId',
    isUrl: false,
    problem: (v) => (/^\d+:[A-Za-z0-9_-]+$/.test(v) ? undefined : 'a bot token like 123456:ABC-DEF… from @BotFather'),
  },
];

const KEY_PREFIX = 'missedBlocks.';

export class Secrets {
  constructor(private readonly storage: vscode.SecretStorage) {}

  async all(): Promise<AlertSecrets> {
    const out: AlertSecrets = {};
    for (const k of SECRET_KINDS) {
      const v = await this.storage.get(KEY_PREFIX + k.name);
      if (v) out[k.name] = v;
    }
    return out;
  }

  async has(name: SecretName): Promise<boolean> {
    return Boolean(await this.storage.get(KEY_PREFIX + name));
  }

  store(name: SecretName, value: string): Thenable<void> {
    return this.storage.store(KEY_PREFIX + name, value);
  }

  delete(name: SecretName): Thenable<void> {
    return this.storage.delete(KEY_PREFIX + name);
  }

  /** The shared store's URL (it carries the database password): not an alert secret, same storage. */
  fleetUrl(): Thenable<string | undefined> {
    return this.storage.get(FLEET_KEY);
  }

  storeFleetUrl(url: string | undefined): Thenable<void> {
    return url ? this.storage.store(FLEET_KEY, url) : this.storage.delete(FLEET_KEY);
  }

  /** The node's RPC URL from "Set RPC Endpoint…" (a provider URL carries its API key). */
  rpcUrl(): Thenable<string | undefined> {
    return this.storage.get(RPC_KEY);
  }

  storeRpcUrl(url: string | undefined): Thenable<void> {
    return url ? this.storage.store(RPC_KEY, url) : this.storage.delete(RPC_KEY);
  }

  /** Fires when another window (or this one) changed the fleet URL. */
  onFleetUrlChange(f: () => void): vscode.Disposable {
    return this.storage.onDidChange((e) => {
      if (e.key === FLEET_KEY) f();
    });
  }
}

const FLEET_KEY = `${KEY_PREFIX}postgresUrl`;
const RPC_KEY = `${KEY_PREFIX}rpcUrl`;
