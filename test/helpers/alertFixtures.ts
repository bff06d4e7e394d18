// Records and managers for the alert tests: a record is made in one line, a manager opens on a
// fresh temp dir with fast retries, a controllable head and every event kept.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig, type AlertChannelKind } from '../../src/core/config';
import type { MissedBlock } from '../../src/core/model';
import { AlertManager, type AlertManagerOptions } from '../../src/node/alerts';
import type { AlertMessage } from '../../src/node/alerts';

export const SOURCE = '127.0.0.1:8545';
export const CHAIN = 31337;

export function rec(block: number, o: Partial<MissedBlock> = {}): MissedBlock {
  return {
    timestamp: 1_700_000_000 + block,
    block_number: block,
    reason: 'Unknown',
    severity: 'Medium',
    expected_timestamp: 1_700_000_000 + block,
    actual_timestamp: 1_700_000_000 + block,
    recovery_attempts: 0,
    recovered: false,
    metadata: {},
    alert_sent: false,
    kind: 'gap',
    chain_id: CHAIN,
    source: SOURCE,
    ...o,
  };
}

export interface Harness {
  alerts: AlertManager;
  dir: string;
  logPath: string;
  head: { value: number | undefined };
  delivered: { msg: AlertMessage; channel: AlertChannelKind }[];
  failed: { msg: AlertMessage; channel: AlertChannelKind; err: Error }[];
  retries: { channel: AlertChannelKind; attempt: number; delayMs: number; err: Error; at: number }[];
  warnings: string[];
  stamped: MissedBlock[];
  console: string[];
}

export interface HarnessSpec {
  /** The [alerts] table as TOML keys (snake_case) → values. */
  alerts: Record<string, unknown>;
  alertThreshold?: number;
  dir?: string;
  env?: NodeJS.ProcessEnv;
  options?: Partial<AlertManagerOptions>;
}

const dirs: string[] = [];

export function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'mbm-alerts-'));
  dirs.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** The [alerts] table as config.ts would hand it over (the relay's keys parsed, the rest in extra). */
export function alertsConfig(table: Record<string, unknown>) {
  const { channels, webhook_url, slack_webhook, discord_webhook, email_address, ...extra } = table;
  const cfg = defaultConfig();
  if (channels) cfg.alerts.channels = channels as AlertChannelKind[];
  if (webhook_url !== undefined) cfg.alerts.webhookUrl = webhook_url as string;
  if (slack_webhook !== undefined) cfg.alerts.slackWebhook = slack_webhook as string;
  if (discord_webhook !== undefined) cfg.alerts.discordWebhook = discord_webhook as string;
  if (email_address !== undefined) cfg.alerts.emailAddress = email_address as string;
  cfg.alerts.extra = extra;
  return cfg;
}

export async function openHarness(spec: HarnessSpec): Promise<Harness> {
  const dir = spec.dir ?? tempDir();
  const logPath = path.join(dir, 'missed_blocks.jsonl');
  const cfg = alertsConfig({ retry_base: '20ms', retry_max: '200ms', send_timeout: '2s', ...spec.alerts });
  cfg.monitoring.alertThreshold = spec.alertThreshold ?? 3;
  const h: Omit<Harness, 'alerts'> = { dir, logPath, head: { value: undefined }, delivered: [], failed: [], retries: [], warnings: [], stamped: [], console: [] };
  const alerts = await AlertManager.open({
    config: cfg,
    logPath,
    source: SOURCE,
    head: () => h.head.value,
    onDelivered: (records) => h.stamped.push(...records),
    onWarning: (w) => h.warnings.push(w),
    env: spec.env ?? {},
    console: { write: (s: string) => (h.console.push(s), true) } as Pick<NodeJS.WritableStream, 'write'>,
    evaluateEveryMs: 0,
    ...spec.options,
  });
  alerts.on('delivered', (msg, channel) => h.delivered.push({ msg, channel }));
  alerts.on('failed', (msg, channel, err) => h.failed.push({ msg, channel, err }));
  alerts.on('retry', (_msg, channel, attempt, delayMs, err) => h.retries.push({ channel, attempt, delayMs, err, at: Date.now() }));
  return { ...h, alerts };
}

/** Feed records to the manager the way the monitor announces them, with the head after them. */
export function feed(h: Harness, records: MissedBlock[], head?: number): void {
  if (head !== undefined) h.head.value = head;
  for (const r of records) h.alerts.observe(r, 'new');
  h.alerts.evaluate();
}

/** Move the head with no record (the chain moving on) and let the manager notice. */
export function advance(h: Harness, head: number): void {
  h.head.value = head;
  h.alerts.evaluate();
}
