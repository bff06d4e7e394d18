// The `missedBlocks.*` settings as one typed, read-only object. Values are sanitised here, at the
// boundary: a wrong type or range in settings.json becomes the default plus a warning, never an
// exception deep inside the monitor. Pure: config.ts hands in a getter over the vscode section.
// The settings, their defaults and package.json's copy come from one declaration, src/core/settings.ts.
import {
  ALERT_CHANNEL_KINDS,
  defaultConfig,
  parseSize,
  type AlertChannelKind,
  type MonitorFileConfig,
} from '../../core/config';
import { endpointLabel } from '../../node/endpoints';
import { MISSED_BLOCK_SEVERITIES, type MissedBlockSeverity } from '../../core/model';
import { SETTINGS, type SettingKey } from '../../core/settings';

export interface ExtensionSettings {
  readonly rpcUrls: readonly string[];
  /** Workspace-relative (or absolute) path of the log the monitor writes. */
  readonly logFile: string;
  readonly autoStart: boolean;
  readonly monitoring: {
    /** Seconds. */
    readonly expectedBlockTime: number;
    /** The user set expectedBlockTime; otherwise the chain's preset or a measurement is used. */
    readonly expectedBlockTimeSet?: boolean;
    readonly maxBlockDelay: number;
    readonly retryAttempts: number;
    readonly retryDelay: number;
    readonly alertThreshold: number;
    readonly enableRecovery: boolean;
    readonly logMissedBlocks: boolean;
  };
  readonly logging: {
    /** Bytes. */
    readonly logRotationSize: number;
    readonly logRetentionDays: number;
    readonly enableConsoleLogging: boolean;
    readonly batchLogging: boolean;
    readonly batchSize: number;
    /** Seconds. */
    readonly batchTimeout: number;
  };
  readonly alertChannels: readonly AlertChannelKind[];
  readonly alerts: {
    readonly minSeverity: MissedBlockSeverity;
    readonly emailAddress?: string;
    readonly emailFrom?: string;
    readonly smtpHost?: string;
    readonly smtpPort?: number;
    readonly smtpSecure?: boolean;
    readonly smtpUser?: string;
    /** The telegram channel's chat (not a secret; its bot token is). */
    readonly telegramChatId?: string;
  };
  readonly notifications: {
    readonly enabled: boolean;
    readonly minSeverity: MissedBlockSeverity;
    /** Seconds between two notifications. */
    readonly throttleSeconds: number;
  };
  readonly watch: {
    readonly usePolling: boolean;
  };
  readonly fleet: {
    /** Seconds between two looks at the shared store (its URL is a secret, not a setting). */
    readonly refreshSeconds: number;
  };
}

/** Secrets live in SecretStorage, never in settings; the monitor's config gets them from there. */
export interface AlertSecrets {
  webhookUrl?: string;
  slackWebhook?: string;
  discordWebhook?: string;
  smtpPassword?: string;
  alertmanagerUrl?: string;
  pagerdutyRoutingKey?: string;
  telegramBotToken?: string;
}

/** Every setting's default, from the one declaration (src/core/settings.ts). */
export const SETTING_DEFAULTS = Object.freeze(Object.fromEntries(Object.entries(SETTINGS).map(([k, d]) => [k, d.default]))) as {
  readonly [K in SettingKey]: (typeof SETTINGS)[K]['default'];
};

export type { SettingKey };

/** Settings the running monitor reads at start: changing them needs a restart of the monitor. */
export const RESTART_KEYS: readonly SettingKey[] = (Object.keys(SETTING_DEFAULTS) as SettingKey[]).filter(
  (k) => !k.startsWith('notifications.') && !k.startsWith('watch.') && !k.startsWith('fleet.') && k !== 'autoStart',
);

type Get = (key: SettingKey) => unknown;

/** `isSet(key)`: the user gave the key a value (default: `get` returns one). */
export function sanitizeSettings(get: Get, isSet: (key: SettingKey) => boolean = (k) => get(k) !== undefined): { settings: ExtensionSettings; warnings: string[] } {
  const warnings: string[] = [];
  const bad = (key: SettingKey, v: unknown, expected: string) => {
    warnings.push(`missedBlocks.${key} = ${JSON.stringify(v)} is not ${expected}; using ${JSON.stringify(SETTING_DEFAULTS[key])}`);
  };
  const value = <T>(key: SettingKey, ok: (v: unknown) => v is T, expected: string): T => {
    const v = get(key);
    if (v === undefined || v === null) return SETTING_DEFAULTS[key] as T;
    if (ok(v)) return v;
    bad(key, v, expected);
    return SETTING_DEFAULTS[key] as T;
  };
  const bool = (key: SettingKey) => value(key, (v): v is boolean => typeof v === 'boolean', 'true or false');
  const num = (key: SettingKey, min: number, integer = false, exclusive = false) =>
    value(
      key,
      (v): v is number => typeof v === 'number' && Number.isFinite(v) && (exclusive ? v > min : v >= min) && (!integer || Number.isInteger(v)),
      `${integer ? 'a whole number' : 'a number'} ${exclusive ? '>' : '≥'} ${min}`,
    );
  const str = (key: SettingKey) => value(key, (v): v is string => typeof v === 'string', 'a string').trim();
  const optional = (s: string) => (s === '' ? undefined : s);
  const severity = (key: SettingKey) =>
    value(key, (v): v is MissedBlockSeverity => (MISSED_BLOCK_SEVERITIES as readonly unknown[]).includes(v), `one of ${MISSED_BLOCK_SEVERITIES.join(', ')}`);

  const logFile = value('logFile', (v): v is string => typeof v === 'string' && v.trim() !== '', 'a non-empty path').trim();

  const rawSize = get('logRotationSize');
  let logRotationSize = parseSize('logRotationSize', SETTING_DEFAULTS.logRotationSize);
  if (rawSize !== undefined && rawSize !== null) {
    try {
      logRotationSize = parseSize('logRotationSize', rawSize);
    } catch {
      bad('logRotationSize', rawSize, 'a size like "10MB" or a number of bytes');
    }
  }

  const smtpPort = num('alerts.smtpPort', 0, true);
  if (smtpPort > 65535) bad('alerts.smtpPort', smtpPort, 'a port number 1–65535 (0: the default)');

  const settings: ExtensionSettings = {
    rpcUrls: rpcUrls(get('rpcUrls'), warnings),
    logFile,
    autoStart: bool('autoStart'),
    monitoring: {
      expectedBlockTime: num('expectedBlockTime', 0, false, true),
      expectedBlockTimeSet: isSet('expectedBlockTime'),
      maxBlockDelay: num('maxBlockDelay', 0),
      retryAttempts: num('retryAttempts', 0, true),
      retryDelay: num('retryDelay', 0),
      alertThreshold: num('alertThreshold', 1, true),
      enableRecovery: bool('enableRecovery'),
      logMissedBlocks: bool('logMissedBlocks'),
    },
    logging: {
      logRotationSize,
      logRetentionDays: num('logRetentionDays', 0, true),
      enableConsoleLogging: bool('enableConsoleLogging'),
      batchLogging: bool('batchLogging'),
      batchSize: num('batchSize', 1, true),
      batchTimeout: num('batchTimeout', 0),
    },
    alertChannels: alertChannels(get('alertChannels'), warnings),
    alerts: {
      minSeverity: severity('alerts.minSeverity'),
      emailAddress: optional(str('alerts.emailAddress')),
      emailFrom: optional(str('alerts.emailFrom')),
      smtpHost: optional(str('alerts.smtpHost')),
      smtpPort: smtpPort > 0 && smtpPort <= 65535 ? smtpPort : undefined,
      // Only `true` is passed on: unset lets the core pick implicit TLS for port 465.
      smtpSecure: bool('alerts.smtpSecure') || undefined,
      smtpUser: optional(str('alerts.smtpUser')),
      telegramChatId: optional(str('alerts.telegramChatId')),
    },
    notifications: {
      enabled: bool('notifications.enabled'),
      minSeverity: severity('notifications.minSeverity'),
      throttleSeconds: num('notifications.throttleSeconds', 0),
    },
    watch: { usePolling: bool('watch.usePolling') },
    fleet: { refreshSeconds: num('fleet.refreshSeconds', 1) },
  };
  return { settings, warnings };
}

function rpcUrls(v: unknown, warnings: string[]): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    warnings.push(`missedBlocks.rpcUrls must be a list of URLs; ignoring ${JSON.stringify(typeof v)}`);
    return [];
  }
  const out: string[] = [];
  for (const u of v) {
    try {
      if (typeof u !== 'string') throw new TypeError('not a string');
      // `${env:NAME}` (a provider URL kept in the environment) is resolved when monitoring starts.
      if (!/\$\{/.test(u)) endpointLabel(u.trim());
      out.push(u.trim());
    } catch (err) {
      // Never echo the URL itself: provider URLs carry API keys.
      warnings.push(`missedBlocks.rpcUrls: skipping an entry (${(err as Error).message.replace(/".*"/, 'value not shown')})`);
    }
  }
  return out;
}

function alertChannels(v: unknown, warnings: string[]): AlertChannelKind[] {
  if (v === undefined || v === null) return [...SETTING_DEFAULTS.alertChannels];
  if (!Array.isArray(v)) {
    warnings.push(`missedBlocks.alertChannels must be a list; using ["console"]`);
    return [...SETTING_DEFAULTS.alertChannels];
  }
  const out: AlertChannelKind[] = [];
  for (const c of v) {
    const name = typeof c === 'string' ? c.toLowerCase() : c;
    if ((ALERT_CHANNEL_KINDS as readonly unknown[]).includes(name)) {
      if (!out.includes(name as AlertChannelKind)) out.push(name as AlertChannelKind);
    } else warnings.push(`missedBlocks.alertChannels: ignoring ${JSON.stringify(c)} (known: ${ALERT_CHANNEL_KINDS.join(', ')})`);
  }
  return out;
}

/** The core's config for one run: the settings in the core's units, secrets from SecretStorage. */
export function monitorConfigFrom(s: ExtensionSettings, logPath: string, secrets: AlertSecrets): MonitorFileConfig {
  const cfg = defaultConfig();
  const ms = (sec: number) => Math.round(sec * 1000);
  cfg.monitoring = {
    ...cfg.monitoring,
    expectedBlockTimeMs: ms(s.monitoring.expectedBlockTime),
    expectedBlockTimeExplicit: s.monitoring.expectedBlockTimeSet ?? true,
    maxBlockDelayMs: ms(s.monitoring.maxBlockDelay),
    retryAttempts: s.monitoring.retryAttempts,
    retryDelayMs: ms(s.monitoring.retryDelay),
    alertThreshold: s.monitoring.alertThreshold,
    enableRecovery: s.monitoring.enableRecovery,
    logMissedBlocks: s.monitoring.logMissedBlocks,
  };
  cfg.logging = {
    ...cfg.logging,
    logFilePath: logPath,
    logRotationSize: s.logging.logRotationSize,
    logRetentionDays: s.logging.logRetentionDays,
    // The views read the file: in the editor it is always written.
    enableFileLogging: true,
    enableConsoleLogging: s.logging.enableConsoleLogging,
    batchLogging: s.logging.batchLogging,
    batchSize: s.logging.batchSize,
    batchTimeoutMs: ms(s.logging.batchTimeout),
  };
  const extra: Record<string, unknown> = { min_severity: s.alerts.minSeverity };
  const a = s.alerts;
  if (a.smtpHost !== undefined) extra.smtp_host = a.smtpHost;
  if (a.smtpPort !== undefined) extra.smtp_port = a.smtpPort;
  if (a.smtpSecure !== undefined) extra.smtp_secure = a.smtpSecure;
  if (a.smtpUser !== undefined) extra.smtp_user = a.smtpUser;
  if (secrets.smtpPassword !== undefined) extra.smtp_password = secrets.smtpPassword;
  if (a.emailFrom !== undefined) extra.email_from = a.emailFrom;
  if (secrets.alertmanagerUrl !== undefined) extra.alertmanager_url = secrets.alertmanagerUrl;
  if (secrets.pagerdutyRoutingKey !== undefined) extra.pagerduty_routing_key = secrets.pagerdutyRoutingKey;
  if (secrets.telegramBotToken !== undefined) extra.telegram_bot_token = secrets.telegramBotToken;
  if (a.telegramChatId !== undefined) extra.telegram_chat_id = a.telegramChatId;
  cfg.alerts = {
    channels: [...s.alertChannels],
    ...(secrets.webhookUrl !== undefined ? { webhookUrl: secrets.webhookUrl } : {}),
    ...(secrets.slackWebhook !== undefined ? { slackWebhook: secrets.slackWebhook } : {}),
    ...(secrets.discordWebhook !== undefined ? { discordWebhook: secrets.discordWebhook } : {}),
    ...(a.emailAddress !== undefined ? { emailAddress: a.emailAddress } : {}),
    extra,
  };
  return cfg;
}
