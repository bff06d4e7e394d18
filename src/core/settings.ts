// The editor's `missedBlocks.*` settings, declared once: key, JSON type, default, bounds, scope and
// description. package.json's `contributes.configuration` (and the Restricted Mode list) is
// generated from this table by `npm run gen:settings` (scripts/genSettings.ts), and
// test/unit/settings-gen.test.ts fails when package.json differs from what it would generate.
// The extension's sanitiser (src/extension/model/settings.ts) takes its defaults from here, and
// the settings that mirror a key of the TOML config take their default from the core's defaults
// (config.ts), converted to the settings' units: one source for every default.
import { ALERT_CHANNEL_KINDS, DEFAULT_ALERTS, DEFAULT_LOGGING, DEFAULT_MONITORING, SIZE_UNITS } from './config';
import { MISSED_BLOCK_SEVERITIES } from './model';

export interface SettingDeclaration {
  readonly type: 'string' | 'boolean' | 'number' | 'integer' | 'array' | readonly ['string', 'number'];
  readonly default: unknown;
  /** Markdown. Says what the setting does; "default from the relay's logger" where it is one. */
  readonly description: string;
  readonly scope: 'window' | 'machine-overridable';
  readonly minimum?: number;
  readonly exclusiveMinimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly string[];
  readonly items?: { readonly type: 'string'; readonly enum?: readonly string[] };
  readonly uniqueItems?: boolean;
  /** Ignored in Restricted Mode (it connects, writes or sends somewhere). */
  readonly restricted?: boolean;
}

const seconds = (ms: number) => ms / 1000;

/** Bytes as the largest whole unit of the size table: 10485760 → "10MB". */
export function formatSize(bytes: number): string {
  for (const unit of ['GB', 'MB', 'KB'] as const) {
    const n = SIZE_UNITS[unit];
    if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  }
  return `${bytes}B`;
}

const relay = (tomlKey: string) => `Default from the relay's logger (\`${tomlKey}\` in \`mbm watch\`'s TOML config).`;

export const SETTINGS = {
  rpcUrls: {
    type: 'array',
    items: { type: 'string' },
    default: [] as string[],
    scope: 'window',
    restricted: true,
    description:
      "JSON-RPC endpoints of the node to monitor (`http(s)://` polls, `ws(s)://` subscribes to new heads). The first is the primary; the others are used for recovery and the head-lag check. An entry may name an environment variable: `${env:MAINNET_RPC}`. A provider URL with an API key belongs in **Set RPC Endpoint…** (SecretStorage, used before these) or the environment, not here. With no endpoint, **Start Monitoring** offers `http://127.0.0.1:8545` (anvil and hardhat default), a URL typed in (kept in SecretStorage), or a local anvil. Records, logs and metrics name an endpoint by `host:port` only, never by its URL.",
  },
  logFile: {
    type: 'string',
    default: DEFAULT_LOGGING.logFilePath,
    scope: 'window',
    restricted: true,
    description: `The JSONL log the monitor writes, relative to the (first) workspace folder or absolute. Its checkpoint is written beside it (\`<log>.checkpoint.json\`). ${relay('log_file_path')}`,
  },
  autoStart: {
    type: 'boolean',
    default: false,
    scope: 'window',
    restricted: true,
    description: 'Start monitoring when the extension activates (in a trusted workspace only).',
  },
  expectedBlockTime: {
    type: 'number',
    default: seconds(DEFAULT_MONITORING.expectedBlockTimeMs),
    exclusiveMinimum: 0,
    scope: 'window',
    description: `Seconds between blocks on this chain; a timestamp gap of k × this is k − 1 missed slots. Restart the monitor to apply. ${relay('expected_block_time')}`,
  },
  maxBlockDelay: {
    type: 'number',
    default: seconds(DEFAULT_MONITORING.maxBlockDelayMs),
    minimum: 0,
    scope: 'window',
    description: `Seconds without a new head (or a block arriving this late) before it is recorded as delayed. ${relay('max_block_delay')}`,
  },
  retryAttempts: {
    type: 'integer',
    default: DEFAULT_MONITORING.retryAttempts,
    minimum: 0,
    scope: 'window',
    description: `Recovery attempts on the primary endpoint before trying the alternatives. ${relay('retry_attempts')}`,
  },
  retryDelay: {
    type: 'number',
    default: seconds(DEFAULT_MONITORING.retryDelayMs),
    minimum: 0,
    scope: 'window',
    description: `Seconds between recovery attempts on the primary endpoint. ${relay('retry_delay')}`,
  },
  alertThreshold: {
    type: 'integer',
    default: DEFAULT_MONITORING.alertThreshold,
    minimum: 1,
    scope: 'window',
    description: `Consecutive missed blocks that make an alert, a notification and a warning-coloured status bar. ${relay('alert_threshold')}`,
  },
  enableRecovery: {
    type: 'boolean',
    default: DEFAULT_MONITORING.enableRecovery,
    scope: 'window',
    description: `Fetch missed blocks again and verify them (hash and parent links). ${relay('enable_recovery')}`,
  },
  logMissedBlocks: {
    type: 'boolean',
    default: DEFAULT_MONITORING.logMissedBlocks,
    scope: 'window',
    description: `Write records to the log. Off: the monitor runs, but the views (which read the log) stay empty. ${relay('log_missed_blocks')}`,
  },
  logRotationSize: {
    type: ['string', 'number'],
    default: formatSize(DEFAULT_LOGGING.logRotationSize),
    scope: 'window',
    description: `Rotate the log to a \`.jsonl.gz\` beside it at this size: bytes, or a string like \`"10MB"\`, \`"512KB"\` (binary units: 1 MB = 1,048,576 bytes). ${relay('log_rotation_size')}`,
  },
  logRetentionDays: {
    type: 'integer',
    default: DEFAULT_LOGGING.logRetentionDays,
    minimum: 0,
    scope: 'window',
    description: `Delete rotated logs older than this many days (0: keep all). ${relay('log_retention_days')}`,
  },
  enableConsoleLogging: {
    type: 'boolean',
    default: DEFAULT_LOGGING.enableConsoleLogging,
    scope: 'window',
    description: `Also print each record to the **Missed Block Monitor** output channel. ${relay('enable_console_logging')}`,
  },
  batchLogging: {
    type: 'boolean',
    default: DEFAULT_LOGGING.batchLogging,
    scope: 'window',
    description: `Write records in batches (one fsync per batch). ${relay('batch_logging')}`,
  },
  batchSize: {
    type: 'integer',
    default: DEFAULT_LOGGING.batchSize,
    minimum: 1,
    scope: 'window',
    description: `Records per batch. ${relay('batch_size')}`,
  },
  batchTimeout: {
    type: 'number',
    // The relay's 60 s suits a server; here the views read the log, so records must reach it soon.
    default: 1,
    minimum: 0,
    scope: 'window',
    description: `Seconds a batch may wait before it is written. The views read the log, so the editor's default is 1 s; the relay's logger and \`mbm watch\` wait ${seconds(DEFAULT_LOGGING.batchTimeoutMs)} s (\`batch_timeout\` in the TOML config).`,
  },
  alertChannels: {
    type: 'array',
    uniqueItems: true,
    items: { type: 'string', enum: ALERT_CHANNEL_KINDS },
    default: [...DEFAULT_ALERTS.channels],
    scope: 'window',
    restricted: true,
    description: `Where alerts go. \`console\` writes to the output channel, \`file\` to \`alerts.jsonl\` beside the log. Webhook URLs, the SMTP password, the Alertmanager URL, the PagerDuty routing key and the Telegram bot token are secrets: set them with **Missed Blocks: Set Alert Webhook…** (or Set Alertmanager URL…, Set PagerDuty Routing Key…, Set Telegram Bot Token…), kept in SecretStorage, never in settings. Nothing is sent in Restricted Mode. ${relay('alerts.channels')}`,
  },
  'alerts.minSeverity': {
    type: 'string',
    enum: MISSED_BLOCK_SEVERITIES,
    default: 'Critical',
    scope: 'window',
    description: 'A record at least this severe alerts even before its streak reaches `#missedBlocks.alertThreshold#`.',
  },
  'alerts.emailAddress': {
    type: 'string',
    default: '',
    scope: 'window',
    restricted: true,
    description: `Recipients of the \`email\` channel, comma-separated. Same as \`alerts.email_address\` in \`mbm watch\`'s TOML config.`,
  },
  'alerts.emailFrom': {
    type: 'string',
    default: '',
    scope: 'window',
    restricted: true,
    description: 'Sender of alert e-mails (`Monitor <mbm@example.com>`). Empty: `missed-block-monitor@<host>`.',
  },
  'alerts.smtpHost': { type: 'string', default: '', scope: 'window', restricted: true, description: 'SMTP server of the `email` channel.' },
  'alerts.smtpPort': {
    type: 'integer',
    default: 0,
    minimum: 0,
    maximum: 65535,
    scope: 'window',
    restricted: true,
    description: 'SMTP port; 0 picks 587 (STARTTLS), or 465 with `#missedBlocks.alerts.smtpSecure#`.',
  },
  'alerts.smtpSecure': { type: 'boolean', default: false, scope: 'window', restricted: true, description: 'Implicit TLS (port 465 implies it).' },
  'alerts.smtpUser': {
    type: 'string',
    default: '',
    scope: 'window',
    restricted: true,
    description: 'SMTP login; its password is set with **Missed Blocks: Set Alert Webhook…** → SMTP password.',
  },
  'alerts.telegramChatId': {
    type: 'string',
    default: '',
    scope: 'window',
    restricted: true,
    description: 'Chat of the `telegram` channel: `-1001234567890` or a channel `@name`. Its bot token is a secret: **Missed Blocks: Set Telegram Bot Token…**. Same as `alerts.telegram_chat_id` in `mbm watch`\'s TOML config.',
  },
  'notifications.enabled': {
    type: 'boolean',
    default: true,
    scope: 'window',
    description: 'Show editor notifications when a streak reaches `#missedBlocks.alertThreshold#` and for new records at least `#missedBlocks.notifications.minSeverity#`.',
  },
  'notifications.minSeverity': {
    type: 'string',
    enum: MISSED_BLOCK_SEVERITIES,
    default: 'Critical',
    scope: 'window',
    description: 'Least severity of a new record that shows a notification.',
  },
  'notifications.throttleSeconds': {
    type: 'number',
    default: 30,
    minimum: 0,
    scope: 'window',
    description: 'At most one notification per this many seconds; events in between are folded into the next one.',
  },
  'watch.usePolling': {
    type: 'boolean',
    default: false,
    scope: 'machine-overridable',
    description: 'Poll log files instead of using file-system events (network drives, some containers).',
  },
  'fleet.refreshSeconds': {
    type: 'number',
    default: 10,
    minimum: 1,
    scope: 'window',
    description:
      'Seconds between two looks at the shared PostgreSQL store for the **Fleet** node and the fleet dashboard. The store\'s URL is kept in SecretStorage: run **Missed Blocks: Set Fleet Database URL…**.',
  },
} as const satisfies Record<string, SettingDeclaration>;

export type SettingKey = keyof typeof SETTINGS;

/** package.json's `contributes.configuration`: what VS Code shows in the settings UI, in declaration order. */
export function contributedConfiguration(): { title: string; properties: Record<string, Record<string, unknown>> } {
  const properties: Record<string, Record<string, unknown>> = {};
  let order = 0;
  for (const [key, d] of Object.entries(SETTINGS) as [SettingKey, SettingDeclaration][]) {
    const p: Record<string, unknown> = { type: Array.isArray(d.type) ? [...d.type] : d.type };
    if (d.items) p.items = d.items.enum ? { type: d.items.type, enum: [...d.items.enum] } : { type: d.items.type };
    if (d.uniqueItems !== undefined) p.uniqueItems = d.uniqueItems;
    if (d.enum) p.enum = [...d.enum];
    p.default = Array.isArray(d.default) ? [...d.default] : d.default;
    if (d.minimum !== undefined) p.minimum = d.minimum;
    if (d.exclusiveMinimum !== undefined) p.exclusiveMinimum = d.exclusiveMinimum;
    if (d.maximum !== undefined) p.maximum = d.maximum;
    p.scope = d.scope;
    p.order = order++;
    p.markdownDescription = d.description;
    properties[`missedBlocks.${key}`] = p;
  }
  return { title: 'Missed Blocks', properties };
}

/** package.json's `capabilities.untrustedWorkspaces.restrictedConfigurations`. */
export function restrictedConfigurations(): string[] {
  return (Object.entries(SETTINGS) as [SettingKey, SettingDeclaration][]).filter(([, d]) => d.restricted).map(([k]) => `missedBlocks.${k}`);
}

/** package.json (parsed) with its settings and Restricted Mode list generated from SETTINGS; the rest untouched. */
export function withGeneratedSettings<T extends Record<string, unknown>>(pkg: T): T {
  const out = structuredClone(pkg) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  out.contributes.configuration = contributedConfiguration();
  out.capabilities.untrustedWorkspaces.restrictedConfigurations = restrictedConfigurations();
  return out as T;
}
