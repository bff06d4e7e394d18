// Recovery of missed blocks (as the relay's logger does it: RPC retry, then alternative nodes, then verification). For each
// record the monitor still tracks, fetch the block again — up to retry_attempts times on the
// primary with retry_delay between, then once on each alternative — and check that it is the block
// of our chain: right number, parentHash linking to the hash we hold for n−1, and its hash being
// the parentHash we hold for n+1 (whichever neighbours we know). A verified block marks the record
// recovered (the monitor rewrites it); one that never verifies is InvalidBlock.
import type { BlockFetcher } from './chain/types';
import { classifyError } from './chain/errors';
import type { BlockInfo, MissedBlock, MissedBlockReason } from '../core/model';
import { recordKey } from '../core/model';

/** What recovery needs of the monitor (BlockMonitor satisfies it). */
export interface RecoveryTarget {
  pending(): readonly MissedBlock[];
  markRecovered(key: string, info: { recoveredAt: number; recoveryMs: number; attempts: number; block_hash?: string; block_timestamp?: number }): unknown;
  markRecoveryFailed(key: string, info: { attempts: number; reason?: MissedBlockReason }): unknown;
}

/** Hash and parent hash of blocks we hold, for linkage checks. */
export type NeighbourLookup = (n: number) => Pick<BlockInfo, 'hash' | 'parentHash'> | undefined;

export interface RecoveryOptions {
  target: RecoveryTarget;
  /** [primary, ...alternatives]. */
  fetchers: readonly BlockFetcher[];
  retryAttempts: number;
  retryDelayMs: number;
  neighbours: NeighbourLookup;
  /** Which records to recover: those that name a block we can fetch. Default: gaps only. */
  recoverable?: (r: MissedBlock) => boolean;
  /** Records fetched per getBlocks call on one endpoint. */
  batchSize?: number;
  /** getBlocks calls in flight at once. */
  concurrency?: number;
  now?: () => number;
  /** A bug surfaced while handling a result (the fetch errors themselves are expected and counted). */
  onError?: (err: Error) => void;
}

export type VerifyResult = { ok: true } | { ok: false; why: string };

/** Is `b` the block at `n` of the chain whose neighbours we hold? */
export function verifyBlock(n: number, b: BlockInfo, neighbours: NeighbourLookup): VerifyResult {
  if (b.number !== n) return { ok: false, why: `asked for block ${n}, got ${b.number}` };
  if (!/^0x[0-9a-fA-F]{64}$/.test(b.hash)) return { ok: false, why: `malformed hash ${b.hash}` };
  const prev = neighbours(n - 1);
  if (prev && prev.hash.toLowerCase() !== b.parentHash.toLowerCase()) {
    return { ok: false, why: `parentHash ${b.parentHash} does not link to block ${n - 1} (${prev.hash})` };
  }
  const child = neighbours(n + 1);
  // parentHash '' = unknown (the monitor holds the checkpoint block without it).
  if (child && child.parentHash !== '' && child.parentHash.toLowerCase() !== b.hash.toLowerCase()) {
    return { ok: false, why: `hash ${b.hash} is not the parent of block ${n + 1} (${child.parentHash})` };
  }
  return { ok: true };
}

interface Job {
  key: string;
  number: number;
  startedMs: number;
  attempts: number;
  /** Index into the attempt plan. */
  step: number;
  readyAt: number;
  lastReason?: MissedBlockReason;
  invalid?: string;
  inflight?: boolean;
}

export const DEFAULT_RECOVERABLE = (r: MissedBlock): boolean => (r.kind ?? 'gap') === 'gap' && !r.recovered;

export class Recovery {
  private readonly jobs = new Map<string, Job>();
  /** Blocks recovered lately: neighbours for the next ones of a long gap fetched in later batches. */
  private readonly recent = new Map<number, Pick<BlockInfo, 'hash' | 'parentHash'>>();
  private readonly plan: number[];
  private running = 0;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;

  constructor(private readonly o: RecoveryOptions) {
    if (o.fetchers.length === 0) throw new Error('recovery needs at least one endpoint');
    this.now = o.now ?? Date.now;
    // Attempt plan: endpoint index per attempt.
    this.plan = [...Array(Math.max(1, o.retryAttempts)).fill(0), ...o.fetchers.slice(1).map((_, i) => i + 1)];
  }

  /** Pick up records the monitor tracks that we do not work on yet, and run what is due. */
  kick(): void {
    if (this.stopped) return;
    const recoverable = this.o.recoverable ?? DEFAULT_RECOVERABLE;
    const t = this.now();
    for (const r of this.o.target.pending()) {
      const key = recordKey(r);
      if (this.jobs.has(key) || !recoverable(r)) continue;
      this.jobs.set(key, { key, number: r.block_number, startedMs: t, attempts: r.recovery_attempts ?? 0, step: 0, readyAt: t });
    }
    this.pump();
  }

  /** Records currently being recovered. */
  size(): number {
    return this.jobs.size;
  }

  /** Resolves when no job is left (or recovery stopped). */
  idle(): Promise<void> {
    if (this.jobs.size === 0 || this.stopped) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // In-flight fetches finish on their own; their results are dropped.
    this.jobs.clear();
    this.settleIdle();
  }

  private settleIdle(): void {
    if (this.jobs.size > 0 && !this.stopped) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  private pump(): void {
    if (this.stopped) return;
    const concurrency = this.o.concurrency ?? 4;
    const batchSize = this.o.batchSize ?? 50;
    const t = this.now();
    while (this.running < concurrency) {
      // Jobs due now, grouped by the endpoint of their next attempt; lowest block numbers first.
      const due = [...this.jobs.values()].filter((j) => j.readyAt <= t && !j.inflight);
      if (due.length === 0) break;
      due.sort((a, b) => a.number - b.number);
      const ep = this.plan[due[0].step];
      const batch = due.filter((j) => this.plan[j.step] === ep).slice(0, batchSize);
      for (const j of batch) j.inflight = true;
      this.running++;
      void this.attempt(ep, batch)
        .catch((err: unknown) => this.o.onError?.(err as Error))
        .finally(() => {
          this.running--;
          for (const j of batch) j.inflight = false;
          this.pump();
        });
    }
    this.schedule();
  }

  /** Wake up for the next job whose retry delay runs out. */
  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let next = Infinity;
    for (const j of this.jobs.values()) if (!j.inflight) next = Math.min(next, j.readyAt);
    if (next === Infinity || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(0, next - this.now()));
    this.timer.unref();
  }

  private remember(b: BlockInfo): void {
    this.recent.set(b.number, { hash: b.hash, parentHash: b.parentHash });
    if (this.recent.size > 1024) this.recent.delete(this.recent.keys().next().value!);
  }

  private async attempt(ep: number, batch: Job[]): Promise<void> {
    const fetcher = this.o.fetchers[ep];
    let blocks: (BlockInfo | null)[];
    let failure: MissedBlockReason | undefined;
    try {
      blocks = await fetcher.getBlocks(batch.map((j) => j.number));
    } catch (err) {
      blocks = batch.map(() => null);
      failure = classifyError(err);
    }
    if (this.stopped) return;
    // Blocks fetched together vouch for each other too: n's parent may be in the same batch.
    const fetched = new Map<number, BlockInfo>();
    for (const b of blocks) if (b) fetched.set(b.number, b);
    const lookup: NeighbourLookup = (n) => this.o.neighbours(n) ?? this.recent.get(n) ?? fetched.get(n);
    const t = this.now();
    for (let i = 0; i < batch.length; i++) {
      const j = batch[i];
      if (!this.jobs.has(j.key)) continue;
      j.attempts++;
      const b = blocks[i];
      if (b) {
        const v = verifyBlock(j.number, b, lookup);
        if (v.ok) {
          this.jobs.delete(j.key);
          this.remember(b);
          this.o.target.markRecovered(j.key, { recoveredAt: Math.floor(t / 1000), recoveryMs: t - j.startedMs, attempts: j.attempts, block_hash: b.hash, block_timestamp: b.timestamp });
          continue;
        }
        j.invalid = v.why;
        j.lastReason = 'InvalidBlock';
      } else {
        j.lastReason = failure ?? j.lastReason ?? 'Unknown';
      }
      j.step++;
      if (j.step >= this.plan.length) {
        this.jobs.delete(j.key);
        // Any endpoint that served a block failing verification makes this InvalidBlock.
        this.o.target.markRecoveryFailed(j.key, { attempts: j.attempts, reason: j.invalid ? 'InvalidBlock' : j.lastReason });
        continue;
      }
      // Retry delay applies between attempts on the primary; alternatives are tried straight away.
      j.readyAt = this.plan[j.step] === 0 ? t + this.o.retryDelayMs : t;
    }
    this.settleIdle();
  }
}
