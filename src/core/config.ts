// The relay logger's two config structs with its defaults, loaded from TOML in its shape
// ([monitoring], [logging], [alerts]). Durations are seconds in TOML and milliseconds here.
import { parse as parseToml, TomlError } from 'smol-toml';
import { maskUrlPassword } from './redact';
import { parseRelayConfig, type RelayConfig } from './relayConfig';
import { parseChains, type ChainConfig } from './chainsConfig';

/** `[monitoring] detect_missed_slots`: auto = only where block timestamps can show a slot. */
export type DetectMissedSlots = 'auto' | boolean;

export interface BlockMonitoringConfig {
  expectedBlockTimeMs: number;
  /**
   * The user set expected_block_time (config file or setting). When false the monitor uses the
   * chain's preset, or measures the interval, instead of the default.
   */
  expectedBlockTimeExplicit: boolean;
  detectMissedSlots: DetectMissedSlots;
  maxBlockDelayMs: number;
  retryAttempts: number;
  retryDelayMs: number;
  /** Consecutive missed blocks before alerting. */
  alertThreshold: number;
  enableRecovery: boolean;
  logMissedBlocks: boolean;
  metricsEnabled: boolean;
}

export type AlertChannelKind = 'console' | 'file' | 'webhook' | 'email' | 'slack' | 'discord' | 'alertmanager' | 'pagerduty' | 'telegram';
export const ALERT_CHANNEL_KINDS: readonly AlertChannelKind[] = ['console', 'file', 'webhook', 'email', 'slack', 'discord', 'alertmanager', 'pagerduty', 'telegram'];

export interface AlertsConfig {
  channels: AlertChannelKind[];
  webhookUrl?: string;
  slackWebhook?: string;
  discordWebhook?: string;
  emailAddress?: string;
  /** Everything else under [alerts] (SMTP settings, throttles...), validated by the alerts module. */
  extra: Record<string, unknown>;
}

export interface MissedBlockLoggerConfig {
  logFilePath: string;
  logRotationSize: number;
  /** Also rotate at every UTC boundary of this many ms (`log_rotation_interval`, "1h" or "1d"); 0 = size only. */
  logRotationIntervalMs: number;
  logRetentionDays: number;
  enableFileLogging: boolean;
  enableConsoleLogging: boolean;
  enableMetrics: boolean;
  batchLogging: boolean;
  batchSize: number;
  batchTimeoutMs: number;
}

export interface MonitorFileConfig {
  monitoring: BlockMonitoringConfig;
  logging: MissedBlockLoggerConfig;
  alerts: AlertsConfig;
  /** Any other top-level tables ([rpc], [storage]...) for the modules that own them. */
  other: Record<string, unknown>;
  /** [storage]: the shared PostgreSQL store; absent when the file has no such table. */
  storage?: StorageConfig;
  /** [relay]: delivered payloads checked against the beacon chain (relayConfig.ts); absent without the table. */
  relay?: RelayConfig;
  /** [recovery]; absent when the file has no such table. */
  recovery?: RecoveryConfig;
  /** [[chains]] (chainsConfig.ts): each chain's whole config; absent when the file watches one chain. */
  chains?: ChainConfig[];
}

/** [recovery]: a block explorer as the last source when the nodes cannot give a missed block. */
export interface RecoveryConfig {
  /** `explorer_url`: an Etherscan-style API base (Etherscan, Blockscout), without the key. */
  explorerUrl?: string;
  /** `explorer_api_key_env`: the environment variable holding the explorer's API key. */
  explorerApiKeyEnv?: string;
}

function parseRecovery(src: Record<string, unknown>): RecoveryConfig {
  const known = ['explorer_url', 'explorer_api_key_env'];
  for (const k of Object.keys(src)) if (!known.includes(k)) throw new ConfigError(`recovery.${k}`, src[k], `one of the known keys of [recovery]: ${known.join(', ')}`);
  const out: RecoveryConfig = {};
  const url = src.explorer_url;
  if (url !== undefined) {
    const expected = 'an http(s) URL of an Etherscan-style API like "https://api.etherscan.io/v2/api?chainid=1" or "https://eth.blockscout.com/api"';
    let u: URL | undefined;
    try {
      u = typeof url === 'string' ? new URL(url) : undefined;
    } catch {
      u = undefined;
    }
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw new ConfigError('recovery.explorer_url', url, expected);
    if (u.searchParams.has('apikey')) {
      throw new ConfigError('recovery.explorer_url', '(a URL with apikey=…)', `${expected}, without the key: name the environment variable that holds it in recovery.explorer_api_key_env`);
    }
    out.explorerUrl = url as string;
  }
  const env = src.explorer_api_key_env;
  if (env !== undefined) {
    if (typeof env !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) throw new ConfigError('recovery.explorer_api_key_env', env, 'the name of an environment variable, like "ETHERSCAN_API_KEY"');
    out.explorerApiKeyEnv = env;
  }
  return out;
}

export interface StorageConfig {
  /** `postgres_url`: every record written is also upserted there. */
  postgresUrl?: string;
  /** `redis_url`: every record and alert is also published to Redis Streams there. */
  redisUrl?: string;
  /** `redis_max_len`: approximate bound of each stream (XADD MAXLEN ~). */
  redisMaxLen?: number;
}

/** `[storage] redis_url` (or $MBM_REDIS_URL, or watch --redis): a redis:// or rediss:// URL. */
export function parseRedisUrl(key: string, v: unknown): string {
  const expected = 'a Redis URL like "redis://127.0.0.1:6379" or "rediss://:password@host:6380/0"';
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(key, v, expected);
  const shown = v.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError(key, shown, expected);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ConfigError(key, shown, `${expected} (redis:// or rediss://)`);
  if (!u.hostname) throw new ConfigError(key, shown, `${expected} (with a host)`);
  return v;
}

/** `[storage] postgres_url` (or $MBM_POSTGRES_URL): a postgres:// or postgresql:// URL with a host. */
export function parsePostgresUrl(key: string, v: unknown): string {
  const expected = 'a PostgreSQL URL like "postgres://user:password@host:5432/database"';
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(key, v, expected);
  // The message shows the value: never its password.
  const shown = maskUrlPassword(v);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError(key, shown, expected);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') throw new ConfigError(key, shown, `${expected} (postgres:// or postgresql://)`);
  if (!u.hostname && !u.searchParams.get('host')) throw new ConfigError(key, shown, `${expected} (with a host)`);
  return v;
}

const SIZE_MIB = 1024 * 1024;

export const DEFAULT_MONITORING: Readonly<BlockMonitoringConfig> = Object.freeze({
  expectedBlockTimeMs: 12_000,
  expectedBlockTimeExplicit: false,
  detectMissedSlots: 'auto',
  maxBlockDelayMs: 30_000,
  retryAttempts: 3,
  retryDelayMs: 5_000,
  alertThreshold: 5,
  enableRecovery: true,
  logMissedBlocks: true,
  metricsEnabled: true,
});

export const DEFAULT_LOGGING: Readonly<MissedBlockLoggerConfig> = Object.freeze({
  logFilePath: 'logs/missed_blocks.jsonl',
  logRotationSize: 10 * SIZE_MIB,
  logRotationIntervalMs: 0,
  logRetentionDays: 30,
  enableFileLogging: true,
  enableConsoleLogging: true,
  enableMetrics: true,
  batchLogging: true,
  batchSize: 100,
  batchTimeoutMs: 60_000,
});

export const DEFAULT_ALERTS: Readonly<AlertsConfig> = Object.freeze({ channels: ['console'] as AlertChannelKind[], extra: {} });

export function defaultConfig(): MonitorFileConfig {
  return {
    monitoring: { ...DEFAULT_MONITORING },
    logging: { ...DEFAULT_LOGGING },
    alerts: { ...DEFAULT_ALERTS, channels: [...DEFAULT_ALERTS.channels], extra: {} },
    other: {},
  };
}

/** A config problem: names the key, the value found and the form expected. */
export class ConfigError extends Error {
  constructor(
    readonly key: string,
    readonly value: unknown,
    readonly expected: string,
    readonly file?: string,
  ) {
    super(`${file ? `${file}: ` : ''}${key} = ${JSON.stringify(value)}: expected ${expected}`);
    this.name = 'ConfigError';
  }
}

/**
 * Whether err is a ConfigError, also one made by another copy of this module (the extension's
 * lazily loaded half, dist/extension-lazy.js, has its own): instanceof alone would miss those.
 */
export function isConfigError(err: unknown): err is ConfigError {
  return err instanceof ConfigError || (err instanceof Error && err.name === 'ConfigError' && typeof (err as Partial<ConfigError>).key === 'string');
}

/**
 * The one size table. Log sizes are conventionally binary (what `ls -lh` and logrotate show), so
 * KB/MB/GB are 1024-based here, the same as KiB/MiB/GiB and K/M/G; the README says so.
 */
const KIB = 1024;
export const SIZE_UNITS: Readonly<Record<string, number>> = Object.freeze({
  '': 1, B: 1,
  K: KIB, KB: KIB, KIB: KIB,
  M: KIB ** 2, MB: KIB ** 2, MIB: KIB ** 2,
  G: KIB ** 3, GB: KIB ** 3, GIB: KIB ** 3,
});

/** "10MB" → bytes (units: SIZE_UNITS, any case). */
export function parseSize(key: string, v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  if (typeof v === 'bigint' && v > 0n) return Number(v);
  if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(v);
    if (m) {
      const unit = m[2].toUpperCase();
      const mult = Object.hasOwn(SIZE_UNITS, unit) ? SIZE_UNITS[unit] : undefined;
      if (mult !== undefined && Number(m[1]) > 0) return Math.round(Number(m[1]) * mult);
    }
  }
  throw new ConfigError(key, v, 'a positive size in bytes, or a string like "10MB", "512KB", "1GiB"');
}

export function parseSeconds(key: string, v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.round(v * 1000);
  if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
    if (m) return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!);
  }
  throw new ConfigError(key, v, 'a duration in seconds (a number ≥ 0, or a string like "30s", "500ms", "5m")');
}

/**
 * `log_rotation_interval`: "1d" (at 00:00 UTC) or "Nh" where N divides 24 ("1h", "6h"...), so every
 * boundary falls at the same UTC times each day; "" or "off" turns time rotation off.
 */
export function parseRotationInterval(key: string, v: unknown): number {
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === '' || s === 'off') return 0;
    const m = /^(\d+)\s*(h|d)$/.exec(s);
    if (m) {
      const n = Number(m[1]);
      if (m[2] === 'd' && n === 1) return 86_400_000;
      if (m[2] === 'h' && n > 0 && 24 % n === 0) return n * 3_600_000;
    }
  }
  throw new ConfigError(key, v, 'a rotation interval "1d" (daily at 00:00 UTC) or "1h" (hourly; also "2h", "3h", "4h", "6h", "8h", "12h"), or "off"');
}

function parseBool(key: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  throw new ConfigError(key, v, 'true or false');
}

function parseDetectSlots(key: string, v: unknown): DetectMissedSlots {
  if (v === true || v === false || v === 'auto') return v;
  throw new ConfigError(key, v, 'true, false or "auto"');
}

function parseCount(key: string, v: unknown, min = 0): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min) return v;
  throw new ConfigError(key, v, `a whole number ≥ ${min}`);
}

function parseString(key: string, v: unknown): string {
  if (typeof v === 'string' && v.length > 0) return v;
  throw new ConfigError(key, v, 'a non-empty string');
}

function table(key: string, v: unknown): Record<string, unknown> {
  if (v === undefined) return {};
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  throw new ConfigError(key, v, 'a table');
}

type Field<T> = [tomlKey: string, prop: keyof T, parse: (key: string, v: unknown) => unknown];

const MONITORING_FIELDS: Field<BlockMonitoringConfig>[] = [
  ['expected_block_time', 'expectedBlockTimeMs', (k, v) => { const ms = parseSeconds(k, v); if (ms <= 0) throw new ConfigError(k, v, 'a duration > 0 seconds'); return ms; }],
  ['detect_missed_slots', 'detectMissedSlots', parseDetectSlots],
  ['max_block_delay', 'maxBlockDelayMs', parseSeconds],
  ['retry_attempts', 'retryAttempts', (k, v) => parseCount(k, v)],
  ['retry_delay', 'retryDelayMs', parseSeconds],
  ['alert_threshold', 'alertThreshold', (k, v) => parseCount(k, v, 1)],
  ['enable_recovery', 'enableRecovery', parseBool],
  ['log_missed_blocks', 'logMissedBlocks', parseBool],
  ['metrics_enabled', 'metricsEnabled', parseBool],
];

const LOGGING_FIELDS: Field<MissedBlockLoggerConfig>[] = [
  ['log_file_path', 'logFilePath', parseString],
  ['log_rotation_size', 'logRotationSize', parseSize],
  ['log_rotation_interval', 'logRotationIntervalMs', parseRotationInterval],
  ['log_retention_days', 'logRetentionDays', (k, v) => parseCount(k, v)],
  ['enable_file_logging', 'enableFileLogging', parseBool],
  ['enable_console_logging', 'enableConsoleLogging', parseBool],
  ['enable_metrics', 'enableMetrics', parseBool],
  ['batch_logging', 'batchLogging', parseBool],
  ['batch_size', 'batchSize', (k, v) => parseCount(k, v, 1)],
  ['batch_timeout', 'batchTimeoutMs', parseSeconds],
];

/** The keys of [monitoring], which a [[chains]] table may override. */
export const MONITORING_KEYS: readonly string[] = MONITORING_FIELDS.map((f) => f[0]);

/** [monitoring] keys of `src` (named `<section>.<key>` when wrong) over `into`. */
export function applyMonitoringOverrides(section: string, src: Record<string, unknown>, into: BlockMonitoringConfig): void {
  applyFields(section, src, MONITORING_FIELDS, into);
  if (src.expected_block_time !== undefined) into.expectedBlockTimeExplicit = true;
}

/** A [recovery] table (also a chain's `recovery`). */
export function parseRecoveryTable(v: unknown): RecoveryConfig {
  return parseRecovery(table('recovery', v));
}

function applyFields<T extends object>(section: string, src: Record<string, unknown>, fields: Field<T>[], into: T): void {
  const known = new Set(fields.map((f) => f[0]));
  for (const key of Object.keys(src)) {
    if (!known.has(key)) {
      throw new ConfigError(`${section}.${key}`, src[key], `one of the known keys of [${section}]: ${[...known].join(', ')}`);
    }
  }
  for (const [tomlKey, prop, parse] of fields) {
    if (src[tomlKey] !== undefined) (into as Record<keyof T, unknown>)[prop] = parse(`${section}.${tomlKey}`, src[tomlKey]);
  }
}

function parseAlerts(src: Record<string, unknown>, into: AlertsConfig): void {
  const { channels, webhook_url, slack_webhook, discord_webhook, email_address, ...rest } = src;
  if (channels !== undefined) {
    if (!Array.isArray(channels)) throw new ConfigError('alerts.channels', channels, `a list of ${ALERT_CHANNEL_KINDS.join(', ')}`);
    into.channels = channels.map((c, i) => {
      const name = typeof c === 'string' ? c.toLowerCase() : c;
      if (!ALERT_CHANNEL_KINDS.includes(name as AlertChannelKind)) {
        throw new ConfigError(`alerts.channels[${i}]`, c, `one of ${ALERT_CHANNEL_KINDS.join(', ')}`);
      }
      return name as AlertChannelKind;
    });
  }
  if (webhook_url !== undefined) into.webhookUrl = parseString('alerts.webhook_url', webhook_url);
  if (slack_webhook !== undefined) into.slackWebhook = parseString('alerts.slack_webhook', slack_webhook);
  if (discord_webhook !== undefined) into.discordWebhook = parseString('alerts.discord_webhook', discord_webhook);
  if (email_address !== undefined) into.emailAddress = parseString('alerts.email_address', email_address);
  into.extra = rest;
}

/**
 * The relay's examples write sizes bare (`log_rotation_size = 100MB`), which is not TOML. Quote such values
 * so those examples load as written; everything else goes to the TOML parser untouched.
 */
export function quoteBareSizes(text: string): string {
  return text.replace(/^(\s*[A-Za-z0-9_]+\s*=\s*)(\d+(?:\.\d+)?\s*[KMGkmg]i?[Bb])(\s*(?:#.*)?)$/gm, '$1"$2"$3');
}

/** Parse TOML text in the relay's shape. Throws ConfigError (bad key or value) with the file named. */
export function parseConfigText(text: string, file?: string): MonitorFileConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(quoteBareSizes(text)) as Record<string, unknown>;
  } catch (err) {
    const e = err as TomlError;
    const where = e.line ? `line ${e.line}, column ${e.column}` : 'TOML';
    throw new ConfigError(where, '', `valid TOML (${String(e.message).split('\n')[0]})`, file);
  }
  const cfg = defaultConfig();
  try {
    const { monitoring, logging, alerts, storage, relay, recovery, chains, ...other } = doc;
    if (relay !== undefined) cfg.relay = parseRelayConfig(relay);
    if (recovery !== undefined) cfg.recovery = parseRecovery(table('recovery', recovery));
    const mon = table('monitoring', monitoring);
    applyFields('monitoring', mon, MONITORING_FIELDS, cfg.monitoring);
    cfg.monitoring.expectedBlockTimeExplicit = mon.expected_block_time !== undefined;
    applyFields('logging', table('logging', logging), LOGGING_FIELDS, cfg.logging);
    parseAlerts(table('alerts', alerts), cfg.alerts);
    if (storage !== undefined) {
      const { postgres_url, redis_url, redis_max_len, ...unknown } = table('storage', storage);
      for (const k of Object.keys(unknown)) throw new ConfigError(`storage.${k}`, unknown[k], 'one of the known keys of [storage]: postgres_url, redis_url, redis_max_len');
      cfg.storage = {};
      if (postgres_url !== undefined) cfg.storage.postgresUrl = parsePostgresUrl('storage.postgres_url', postgres_url);
      if (redis_url !== undefined) cfg.storage.redisUrl = parseRedisUrl('storage.redis_url', redis_url);
      if (redis_max_len !== undefined) cfg.storage.redisMaxLen = parseCount('storage.redis_max_len', redis_max_len, 1);
    }
    cfg.other = other;
    if (chains !== undefined) cfg.chains = parseChains(chains, cfg, doc);
  } catch (err) {
    if (err instanceof ConfigError && file) throw new ConfigError(err.key, err.value, err.expected, file);
    throw err;
  }
  return cfg;
}
