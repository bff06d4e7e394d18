// Shared by the crash, disk and node-fault reliability tests: `mbm watch` as a real child process,
// a seeded PRNG (reproducible randomness, seed printed), the missed slots a chain's own history
// implies, and a strict reading of a log (every raw line, parsed with the core's parseLogLine).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readCheckpoint, type Checkpoint } from '../../../src/node/checkpoint';
import { recordKey, type MissedBlock } from '../../../src/core/model';
import { parseLogLine } from '../../../src/node/log/validate';
import type { AnvilNode } from '../../helpers/anvil';
import { cliArgs, ROOT } from '../../helpers/cli';

export interface WatchChild {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Record lines printed on stdout so far. */
  recordLines(): number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
}

const children = new Set<ChildProcess>();

/** For after(): SIGKILL every child still running. */
export function killAllChildren(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

/** `mbm <args>` as a child process (NO_COLOR, cwd = repo root). */
export function spawnMbm(args: string[], extra: Pick<SpawnOptions, 'uid' | 'gid' | 'env'> = {}): WatchChild {
  let out = '';
  let err = '';
  const child = spawn(process.execPath, [...cliArgs(), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...extra.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(extra.uid !== undefined ? { uid: extra.uid, gid: extra.gid } : {}),
  });
  children.add(child);
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  let alive = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      alive = false;
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    recordLines: () => out.split('\n').filter((l) => l.trim() !== '').length,
    exited,
    running: () => alive,
  };
}

/** Resolve with the exit, or throw after ms (the child is then SIGKILLed). */
export async function exitWithin(c: WatchChild, ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([c.exited, new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), ms)))]);
  clearTimeout(timer);
  if (r === 'timeout') {
    c.child.kill('SIGKILL');
    throw new Error(`mbm did not exit within ${ms} ms\nstderr:\n${c.stderr().slice(-3000)}`);
  }
  return r;
}

/** kill -9 and wait (bounded) until the kernel reports it gone. */
export async function kill9(c: WatchChild): Promise<void> {
  c.child.kill('SIGKILL');
  await exitWithin(c, 10_000);
}

export { prng } from '../../helpers/prng';

/** Seed from $MBM_SEED or the clock; printed so a failing run can be replayed. */
export function seedFor(name: string): number {
  const seed = process.env.MBM_SEED ? Number(process.env.MBM_SEED) : Date.now() % 2 ** 31;
  console.log(`# ${name}: seed ${seed} (replay with MBM_SEED=${seed})`);
  return seed;
}

export interface ChainBlock {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
}

/** Blocks from..to of the node's canonical chain, fetched in JSON-RPC batches. */
export async function chainBlocks(node: AnvilNode, from: number, to: number): Promise<ChainBlock[]> {
  const out: ChainBlock[] = [];
  for (let start = from; start <= to; start += 100) {
    const end = Math.min(to, start + 99);
    const body = [];
    for (let n = start; n <= end; n++) body.push({ jsonrpc: '2.0', id: n, method: 'eth_getBlockByNumber', params: [`0x${n.toString(16)}`, false] });
    const res = (await (await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json()) as {
      id: number;
      result: { number: string; hash: string; parentHash: string; timestamp: string };
    }[];
    res.sort((a, b) => a.id - b.id);
    for (const r of res) out.push({ number: Number(r.result.number), hash: r.result.hash, parentHash: r.result.parentHash, timestamp: Number(r.result.timestamp) });
  }
  return out;
}

/**
 * The missed slots a chain implies (§4: a timestamp gap of k × block time between consecutive
 * blocks is k − 1 empty slots, recorded on the later block, slot = previous timestamp / block time + j),
 * keyed as the log is (recordKey), for blocks from+1 … to.
 */
export function impliedMissedSlots(blocks: ChainBlock[], blockTimeSec: number): Map<string, { block: number; slot: number }> {
  const out = new Map<string, { block: number; slot: number }>();
  for (let i = 1; i < blocks.length; i++) {
    const prev = blocks[i - 1];
    const b = blocks[i];
    const empty = Math.max(0, Math.round((b.timestamp - prev.timestamp) / blockTimeSec) - 1);
    for (let j = 1; j <= empty; j++) {
      const slot = Math.floor(prev.timestamp / blockTimeSec + 1e-9) + j;
      out.set(recordKey({ block_number: b.number, kind: 'missed_slot', slot }), { block: b.number, slot });
    }
  }
  return out;
}

export interface StrictLog {
  /** Raw non-empty lines. */
  lines: string[];
  /** Lines parseLogLine rejects, with their 1-based line number and reason. */
  invalid: { line: number; message: string; text: string }[];
  /** Every valid record, in file order. */
  records: MissedBlock[];
  /** Raw line count per record key (recordKey). */
  rawCount: Map<string, number>;
  /** Last record per key (what readers keep). */
  latest: Map<string, MissedBlock>;
  /** true when the file ends with '\n' (or is empty). */
  endsClean: boolean;
}

export function readStrict(file: string): StrictLog {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const lines = text.split('\n');
  const endsClean = text === '' || text.endsWith('\n');
  const log: StrictLog = { lines: [], invalid: [], records: [], rawCount: new Map(), latest: new Map(), endsClean };
  lines.forEach((l, i) => {
    if (l === '') return;
    log.lines.push(l);
    const p = parseLogLine(l);
    if (!p.ok) {
      log.invalid.push({ line: i + 1, message: p.message, text: l.slice(0, 200) });
      return;
    }
    const k = recordKey(p.record);
    log.records.push(p.record);
    log.rawCount.set(k, (log.rawCount.get(k) ?? 0) + 1);
    log.latest.set(k, p.record);
  });
  return log;
}

/** Keys written more than once (raw lines), with their counts. */
export function rawDuplicates(log: StrictLog): [string, number][] {
  return [...log.rawCount].filter(([, n]) => n > 1);
}

export function checkpointOf(file: string): Promise<Checkpoint | undefined> {
  return readCheckpoint(file);
}

/** A TOML config in the relay's shape for the tests' fast chains. */
export function watchToml(o: { blockTime?: number; maxDelay?: number; batch?: boolean; batchTimeout?: number; retry?: number; alertThreshold?: number } = {}): string {
  return [
    '[monitoring]',
    `expected_block_time = ${o.blockTime ?? 1}`,
    `max_block_delay = ${o.maxDelay ?? 60}`,
    `retry_attempts = ${o.retry ?? 3}`,
    'retry_delay = 1',
    `alert_threshold = ${o.alertThreshold ?? 1000000}`,
    '',
    '[logging]',
    `batch_logging = ${o.batch ?? false}`,
    'batch_size = 100',
    `batch_timeout = ${o.batchTimeout ?? 60}`,
    'enable_console_logging = true',
    '',
  ].join('\n');
}

/**
 * One cleanup step, bounded and on its own: a failed test may leave things half-broken, and no
 * step may keep the next from running (a mount, a child or an anvil must never outlive the file).
 */
export async function bounded(what: string, p: () => Promise<unknown> | unknown, ms = 10_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([Promise.resolve().then(p), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('timed out')), ms)))]);
  } catch (err) {
    console.error(`# cleanup: ${what}: ${String(err)}`);
  } finally {
    clearTimeout(timer);
  }
}
