// The [alerts] table, validated into what the alerts module runs on. config.ts parsed the relay's
// keys (channels, webhook_url, slack_webhook, discord_webhook, email_address) and left every other
// key in `extra` for us. Errors are ConfigErrors naming the key, the value and the expected form —
// except that a secret's value is never shown (only a redacted URL or the variable it came from).
import { hostname } from 'node:os';
import { ALERT_CHANNEL_KINDS, ConfigError, parseSeconds, type AlertChannelKind, type AlertsConfig } from '../../core/config';
import { MISSED_BLOCK_SEVERITIES, type MissedBlockSeverity } from '../../core/model';
import { redactUrl } from '../../core/redact';
import { fromEnv } from '../envRef';

export interface ChannelRule {
  /** A record at least this severe alerts on this channel even before its streak reaches the threshold. */
  minSeverity: MissedBlockSeverity;
  /** At most `throttleMax` messages per `throttleWindowMs`; the rest go into one summary. */
  throttleMax: number;
  throttleWindowMs: number;
}

export interface SmtpSettings {
  host: string;
  port: number;
  /** Implicit TLS (port 465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  /** Refuse to send unless STARTTLS succeeds. */
  requireTls: boolean;
  rejectUnauthorized: boolean;
  user?: string;
  password?: string;
  from: string;
  to: string[];
}

export interface AlertSettings {
  channels: AlertChannelKind[];
  webhookUrl?: string;
  slackWebhook?: string;
  discordWebhook?: string;
  smtp?: SmtpSettings;
  /** Alertmanager's base URL (…:9093); the channel posts to /api/v2/alerts. */
  alertmanagerUrl?: string;
  pagerduty?: { url: string; routingKey: string };
  telegram?: { apiUrl: string; botToken: string; chatId: string };
  alertThreshold: number;
  rules: Record<AlertChannelKind, ChannelRule>;
  /** Unix ms; alerts are muted until then. */
  muteUntilMs?: number;
  retry: { baseMs: number; maxMs: number; timeoutMs: number };
  /** Every secret value in use, for the Redactor. */
  secrets: string[];
}

export const ALERT_DEFAULTS = Object.freeze({
  minSeverity: 'Critical' as MissedBlockSeverity,
  throttleMax: 10,
  throttleWindowMs: 60_000,
  retryBaseMs: 1_000,
  retryMaxMs: 300_000,
  sendTimeoutMs: 10_000,
});

/** Keys whose value may come from the environment: `<key>_env = "VAR"` or `${VAR}` inside the value. */
const ENV_CAPABLE = [
  'webhook_url', 'slack_webhook', 'discord_webhook', 'email_address', 'smtp_host', 'smtp_user', 'smtp_password', 'email_from',
  'alertmanager_url', 'pagerduty_routing_key', 'pagerduty_url', 'telegram_bot_token', 'telegram_chat_id', 'telegram_api_url',
] as const;
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';
export const TELEGRAM_API_URL = 'https://api.telegram.org';
const RULE_KEYS = ['min_severity', 'throttle_max', 'throttle_window'] as const;
const OTHER_KEYS = [
  'smtp_port', 'smtp_secure', 'smtp_require_tls', 'smtp_reject_unauthorized',
  'mute_until', 'retry_base', 'retry_max', 'send_timeout', ...RULE_KEYS,
] as const;
const RELAY_KEYS = ['channels', 'webhook_url', 'slack_webhook', 'discord_webhook', 'email_address'];

export const KNOWN_ALERT_KEYS: readonly string[] = [
  ...RELAY_KEYS,
  ...ENV_CAPABLE.filter((k) => !RELAY_KEYS.includes(k)),
  ...ENV_CAPABLE.map((k) => `${k}_env`),
  ...OTHER_KEYS,
  ...ALERT_CHANNEL_KINDS.map((c) => `${c} (table: ${RULE_KEYS.join(', ')})`),
];

export interface SettingsOptions {
  alertThreshold: number;
  env?: NodeJS.ProcessEnv;
}

export function parseAlertSettings(cfg: AlertsConfig, o: SettingsOptions): AlertSettings {
  const env = o.env ?? process.env;
  const extra = { ...cfg.extra };
  const relayKeys: Record<string, unknown> = {
    webhook_url: cfg.webhookUrl,
    slack_webhook: cfg.slackWebhook,
    discord_webhook: cfg.discordWebhook,
    email_address: cfg.emailAddress,
  };
  checkKnownKeys(extra);
  const raw = (k: (typeof ENV_CAPABLE)[number]) => (k in relayKeys ? relayKeys[k] : extra[k]);
  const str = (k: (typeof ENV_CAPABLE)[number]) => fromEnv('alerts', k, raw(k), extra[`${k}_env`], env);

  const s: AlertSettings = {
    channels: [...new Set(cfg.channels)],
    alertThreshold: o.alertThreshold,
    rules: rules(extra),
    retry: {
      baseMs: positiveDuration('alerts.retry_base', extra.retry_base, ALERT_DEFAULTS.retryBaseMs),
      maxMs: positiveDuration('alerts.retry_max', extra.retry_max, ALERT_DEFAULTS.retryMaxMs),
      timeoutMs: positiveDuration('alerts.send_timeout', extra.send_timeout, ALERT_DEFAULTS.sendTimeoutMs),
    },
    secrets: [],
  };
  if (extra.mute_until !== undefined) s.muteUntilMs = parseInstant('alerts.mute_until', extra.mute_until);

  const wants = (c: AlertChannelKind) => s.channels.includes(c);
  s.webhookUrl = httpUrl('webhook_url', str('webhook_url'), wants('webhook'));
  s.slackWebhook = httpUrl('slack_webhook', str('slack_webhook'), wants('slack'));
  s.discordWebhook = httpUrl('discord_webhook', str('discord_webhook'), wants('discord'));
  s.smtp = smtp(extra, str, wants('email'));
  if (!s.smtp) delete s.smtp;
  s.alertmanagerUrl = httpUrl('alertmanager_url', str('alertmanager_url'), wants('alertmanager'));
  if (!s.alertmanagerUrl) delete s.alertmanagerUrl;
  const routingKey = str('pagerduty_routing_key');
  if (wants('pagerduty')) {
    if (!routingKey) throw new ConfigError('alerts.pagerduty_routing_key', undefined, 'the integration (routing) key of a PagerDuty Events API v2 service (or pagerduty_routing_key_env): the pagerduty channel is listed');
    s.pagerduty = { url: httpUrl('pagerduty_url', str('pagerduty_url'), false) ?? PAGERDUTY_EVENTS_URL, routingKey };
  }
  const botToken = str('telegram_bot_token');
  const chatId = str('telegram_chat_id');
  if (wants('telegram')) {
    if (!botToken || !/^\d+:[A-Za-z0-9_-]+$/.test(botToken)) {
      throw new ConfigError('alerts.telegram_bot_token', botToken ? '(not shown)' : undefined, 'a bot token like "123456:ABC-DEF…" from @BotFather (or telegram_bot_token_env): the telegram channel is listed');
    }
    if (!chatId || !/^(-?\d+|@[A-Za-z0-9_]{5,})$/.test(chatId)) throw new ConfigError('alerts.telegram_chat_id', chatId, 'a chat id like "-1001234567890" or a channel "@name"');
    s.telegram = { apiUrl: (httpUrl('telegram_api_url', str('telegram_api_url'), false) ?? TELEGRAM_API_URL).replace(/\/+$/, ''), botToken, chatId };
  }
  s.secrets = [s.webhookUrl, s.slackWebhook, s.discordWebhook, s.smtp?.user, s.smtp?.password, s.alertmanagerUrl, routingKey, botToken].filter((v): v is string => !!v);
  return s;
}

function checkKnownKeys(extra: Record<string, unknown>): void {
  const flat = new Set<string>([...ENV_CAPABLE, ...ENV_CAPABLE.map((k) => `${k}_env`), ...OTHER_KEYS]);
  for (const [k, v] of Object.entries(extra)) {
    if (flat.has(k)) continue;
    if ((ALERT_CHANNEL_KINDS as readonly string[]).includes(k)) {
      if (!v || typeof v !== 'object' || Array.isArray(v) || v instanceof Date) throw new ConfigError(`alerts.${k}`, v, `a table with ${RULE_KEYS.join(', ')}`);
      for (const sub of Object.keys(v)) {
        if (!(RULE_KEYS as readonly string[]).includes(sub)) {
          throw new ConfigError(`alerts.${k}.${sub}`, (v as Record<string, unknown>)[sub], `one of the keys of [alerts.${k}]: ${RULE_KEYS.join(', ')}`);
        }
      }
      continue;
    }
    throw new ConfigError(`alerts.${k}`, v, `one of the known keys of [alerts]: ${KNOWN_ALERT_KEYS.join(', ')}`);
  }
}

function httpUrl(key: string, v: string | undefined, required: boolean): string | undefined {
  if (v === undefined) {
    if (required) throw new ConfigError(`alerts.${key}`, undefined, `an http(s) URL (or ${key}_env): the channel is listed in alerts.channels`);
    return undefined;
  }
  let u: URL | undefined;
  try {
    u = new URL(v);
  } catch {
    /* reported below */
  }
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:')) {
    // Shown redacted: a mistyped URL still holds the token.
    throw new ConfigError(`alerts.${key}`, u ? redactUrl(v) : '(not shown: may hold a token)', 'an http:// or https:// URL');
  }
  return v;
}

const EMAIL = /^[^\s@<>,]+@[^\s@<>,]+$/;

/** SMTP keys are checked whenever present; host and recipients are required only for the email channel. */
function smtp(extra: Record<string, unknown>, str: (k: (typeof ENV_CAPABLE)[number]) => string | undefined, required: boolean): SmtpSettings | undefined {
  const secure = optBool('alerts.smtp_secure', extra.smtp_secure);
  const requireTls = optBool('alerts.smtp_require_tls', extra.smtp_require_tls) ?? false;
  const rejectUnauthorized = optBool('alerts.smtp_reject_unauthorized', extra.smtp_reject_unauthorized) ?? true;
  let port = secure ? 465 : 587;
  if (extra.smtp_port !== undefined) {
    const p = extra.smtp_port;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65535) throw new ConfigError('alerts.smtp_port', p, 'a port number 1–65535');
    port = p;
  }
  const user = str('smtp_user');
  const password = str('smtp_password');
  if ((user === undefined) !== (password === undefined)) {
    const [missing, other] = user === undefined ? ['smtp_user', 'smtp_password'] : ['smtp_password', 'smtp_user'];
    throw new ConfigError(`alerts.${missing}`, undefined, `set together with alerts.${other} (SMTP login needs both)`);
  }
  const from = str('email_from') ?? `Missed Block Monitor <missed-block-monitor@${hostname() || 'localhost'}>`;
  const fromAddr = /<([^>]+)>\s*$/.exec(from)?.[1] ?? from;
  if (!EMAIL.test(fromAddr.trim())) throw new ConfigError('alerts.email_from', from, 'a sender like "mbm@example.com" or "Monitor <mbm@example.com>"');
  const toRaw = str('email_address');
  const to = (toRaw ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  for (const a of to) if (!EMAIL.test(a)) throw new ConfigError('alerts.email_address', a, 'an e-mail address like alerts@example.com (several: comma-separated)');
  const host = str('smtp_host');
  if (!required) return undefined;
  if (!host) throw new ConfigError('alerts.smtp_host', undefined, 'the SMTP server host name: the email channel is listed in alerts.channels');
  if (to.length === 0) throw new ConfigError('alerts.email_address', toRaw, 'one or more recipient addresses ("a@example.com, b@example.com"): the email channel is listed');
  return {
    host,
    port,
    secure: secure ?? port === 465,
    requireTls,
    rejectUnauthorized,
    ...(user !== undefined ? { user, password } : {}),
    from,
    to,
  };
}

function rules(extra: Record<string, unknown>): Record<AlertChannelKind, ChannelRule> {
  const base: ChannelRule = {
    minSeverity: severity('alerts.min_severity', extra.min_severity) ?? ALERT_DEFAULTS.minSeverity,
    throttleMax: count('alerts.throttle_max', extra.throttle_max) ?? ALERT_DEFAULTS.throttleMax,
    throttleWindowMs: positiveDuration('alerts.throttle_window', extra.throttle_window, ALERT_DEFAULTS.throttleWindowMs),
  };
  const out = {} as Record<AlertChannelKind, ChannelRule>;
  for (const c of ALERT_CHANNEL_KINDS) {
    const t = (extra[c] ?? {}) as Record<string, unknown>;
    out[c] = {
      minSeverity: severity(`alerts.${c}.min_severity`, t.min_severity) ?? base.minSeverity,
      throttleMax: count(`alerts.${c}.throttle_max`, t.throttle_max) ?? base.throttleMax,
      throttleWindowMs: positiveDuration(`alerts.${c}.throttle_window`, t.throttle_window, base.throttleWindowMs),
    };
  }
  return out;
}

function severity(key: string, v: unknown): MissedBlockSeverity | undefined {
  if (v === undefined) return undefined;
  const hit = typeof v === 'string' ? MISSED_BLOCK_SEVERITIES.find((s) => s.toLowerCase() === v.toLowerCase()) : undefined;
  if (!hit) throw new ConfigError(key, v, `one of ${MISSED_BLOCK_SEVERITIES.join(', ')}`);
  return hit;
}

function count(key: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1) return v;
  throw new ConfigError(key, v, 'a whole number ≥ 1');
}

function positiveDuration(key: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  const ms = parseSeconds(key, v);
  if (ms <= 0) throw new ConfigError(key, v, 'a duration > 0 (seconds, or a string like "30s", "500ms", "5m")');
  return ms;
}

function optBool(key: string, v: unknown): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  throw new ConfigError(key, v, 'true or false');
}

/** A TOML date-time, an RFC 3339 string, or unix seconds. */
function parseInstant(key: string, v: unknown): number {
  if (v instanceof Date && !Number.isNaN(v.getTime())) return v.getTime();
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.round(v * 1000);
  if (typeof v === 'string') {
    const t = Date.parse(v);
    if (!Number.isNaN(t)) return t;
  }
  throw new ConfigError(key, v, 'a date-time like 2025-01-31T18:00:00Z, or unix seconds');
}
