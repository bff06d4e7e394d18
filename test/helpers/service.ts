// A MonitorService against real endpoints, writing into a temp dir, with every record it announces
// kept in order, and helpers to mine anvil blocks at exact timestamps (so slot arithmetic is exact).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig, type BlockMonitoringConfig, type MissedBlockLoggerConfig } from '../../src/core/config';
import { endpointsFromUrls } from '../../src/node/endpoints';
import { recordKey, type MissedBlock } from '../../src/core/model';
import type { RecordChange } from '../../src/core/monitor';
import { MonitorService, type BackfillEvent, type MonitorServiceOptions, type ServiceStatus } from '../../src/node/service';
import type { AnvilNode } from './anvil';
import { waitFor } from './wait';

export interface Running {
  svc: MonitorService;
  dir: string;
  logPath: string;
  events: { r: MissedBlock; change: RecordChange }[];
  statuses: ServiceStatus[];
  backfills: BackfillEvent[];
  warnings: string[];
  /** The service's one-off notices (block time measured, missed slots off...). */
  notices: string[];
  /** Latest version of each record announced (what a log reader keeps). */
  latest(): MissedBlock[];
  /** Latest records of one kind, by block number then slot. */
  of(kind: MissedBlock['kind']): MissedBlock[];
  /** Wait until `check(latest())` holds. */
  until<T>(what: string, check: (rs: MissedBlock[]) => T | undefined | false, timeoutMs?: number): Promise<T>;
  /** Wait until the monitor's head is block n. */
  head(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ServiceSpec {
  urls: string[];
  monitoring?: Partial<BlockMonitoringConfig>;
  logging?: Partial<MissedBlockLoggerConfig>;
  /** Reuse a dir (restart tests); default a fresh temp dir. */
  dir?: string;
  options?: Partial<MonitorServiceOptions>;
  /** The [risk] table as TOML would give it. */
  risk?: Record<string, unknown>;
}

/** Fast test defaults: 1 s slots, no stall within a test unless asked, quick retries, unbatched log. */
export async function startService(spec: ServiceSpec): Promise<Running> {
  const dir = spec.dir ?? mkdtempSync(path.join(tmpdir(), 'mbm-svc-'));
  const config = defaultConfig();
  Object.assign(config.monitoring, { expectedBlockTimeMs: 1000, expectedBlockTimeExplicit: true, maxBlockDelayMs: 60_000, retryAttempts: 2, retryDelayMs: 200 }, spec.monitoring);
  Object.assign(config.logging, { logFilePath: path.join(dir, 'missed_blocks.jsonl'), batchLogging: false, enableConsoleLogging: false }, spec.logging);
  if (spec.risk) config.other.risk = spec.risk;
  const svc = new MonitorService({
    config,
    endpoints: endpointsFromUrls(spec.urls),
    source: { timeoutMs: 2_000, backoff: { initialMs: 100, maxMs: 500 }, pollIntervalMs: 200, heartbeatMs: 1_000 },
    checkpointIntervalMs: 100,
    tickMs: 100,
    // Alerting is tested on its own (alerts.e2e); elsewhere it would only print and write outboxes.
    alerts: false,
    ...spec.options,
  });
  const events: Running['events'] = [];
  const statuses: ServiceStatus[] = [];
  const backfills: BackfillEvent[] = [];
  const warnings: string[] = [];
  const notices: string[] = [];
  svc.on('notice', (m) => notices.push(m));
  svc.on('record', (r, change) => events.push({ r, change }));
  svc.on('status', (s) => statuses.push(s));
  svc.on('backfill', (e) => backfills.push(e));
  svc.on('warning', (w) => warnings.push(w));
  const latest = () => {
    const m = new Map<string, MissedBlock>();
    for (const { r } of events) m.set(`${recordKey(r)}:${r.slot ?? ''}`, r);
    return [...m.values()];
  };
  const run: Running = {
    svc,
    dir,
    logPath: config.logging.logFilePath,
    events,
    statuses,
    backfills,
    warnings,
    notices,
    latest,
    of: (kind) => latest().filter((r) => r.kind === kind).sort((a, b) => a.block_number - b.block_number || (a.slot ?? 0) - (b.slot ?? 0)),
    until: (what, check, timeoutMs = 10_000) =>
      waitFor(() => check(latest()), { timeoutMs, what }).catch((err: Error) => {
        const seen = latest().map((r) => `${r.block_number}/${r.kind}/${r.reason}${r.recovered ? '/recovered' : ''}`);
        throw new Error(`${err.message}; records so far: ${seen.join(' ') || 'none'}; warnings: ${warnings.join(' | ') || 'none'}`);
      }),
    head: (n, timeoutMs = 10_000) =>
      waitFor(() => svc.monitor.lastProcessed()?.number === n || undefined, { timeoutMs, what: `monitor head ${n} (at ${svc.monitor.lastProcessed()?.number})` }).then(() => undefined),
    stop: () => svc.stop(),
  };
  await svc.start();
  return run;
}

/** Every line of a JSONL log, parsed. */
export function readLog(file: string): MissedBlock[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as MissedBlock);
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export async function latestBlock(node: AnvilNode): Promise<{ number: number; timestamp: number; hash: string }> {
  const b = await node.rpc<{ number: string; timestamp: string; hash: string }>('eth_getBlockByNumber', ['latest', false]);
  return { number: Number(b.number), timestamp: Number(b.timestamp), hash: b.hash };
}

/** Mine one block with exactly this timestamp; returns its number. */
export async function mineAt(node: AnvilNode, timestamp: number): Promise<number> {
  await node.setNextTimestamp(timestamp);
  await node.rpc('evm_mine', []);
  return node.blockNumber();
}

/**
 * Mine `count` blocks one slot (`slot` s) apart after the current head, without gaps. Chain time
 * is kept ahead of the wall clock, so no block ever looks late and no slot timer runs out.
 */
export async function mineSteady(node: AnvilNode, count: number, slot = 1): Promise<number> {
  let { timestamp, number } = await latestBlock(node);
  for (let i = 0; i < count; i++) {
    timestamp += slot;
    number = await mineAt(node, timestamp);
  }
  return number;
}

/** Mine `count` blocks one second apart, chain time kept a second ahead of the wall clock (never late). */
export async function mineNow(node: AnvilNode, count: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < count; i++) {
    const { timestamp } = await latestBlock(node);
    n = await mineAt(node, Math.max(timestamp + 1, Math.floor(Date.now() / 1000) + 1));
  }
  return n;
}
