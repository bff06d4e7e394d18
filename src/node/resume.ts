// Resuming after the monitor itself was stopped: decide whether the checkpoint still describes
// the node's chain, then backfill checkpoint+1 … head through the pipeline. Kept apart from the
// service because it is the only place that reasons about "the chain while we were away".
import { backfill, type BackfillProgress, type BackfillResult } from './backfill';
import type { Checkpoint } from './checkpoint';
import type { BlockFetcher } from './chain/types';
import type { BlockMonitor } from '../core/monitor';
import type { BlockPipeline } from './pipeline';
import { readLog } from './log/reader';
import { recordKey, type MissedBlock } from '../core/model';

export type ResumePlan =
  | { action: 'fresh'; why: string }
  /** The node's chain began again while we were stopped: seed the checkpoint and let the live feed report the reset. */
  | { action: 'reset'; why: string }
  | { action: 'backfill'; from: number; to: number; skipped: number };

export interface ResumeOptions {
  /** Most blocks a resume backfills; an older checkpoint resumes this far behind the head. */
  maxBlocks: number;
}

/** Can we resume from `cp` on the chain `fetcher` serves? Throws on transport errors (caller retries). */
export async function planResume(fetcher: BlockFetcher, cp: Checkpoint, o: ResumeOptions): Promise<ResumePlan> {
  const chainId = await fetcher.chainId();
  if (cp.chain_id !== undefined && cp.chain_id !== chainId) {
    return { action: 'fresh', why: `checkpoint is for chain ${cp.chain_id}, the node serves chain ${chainId}` };
  }
  if (cp.genesis_hash !== undefined) {
    const genesis = await fetcher.getBlock(0);
    if (genesis && genesis.hash !== cp.genesis_hash) return { action: 'reset', why: "the node's chain began again (block 0's hash changed)" };
  }
  const head = await fetcher.headNumber();
  if (head < cp.number) {
    // A node whose head is below ours was reset or resynced from scratch: the blocks we logged
    // are not on its chain, and comparing would report its whole history as a reorg.
    return { action: 'fresh', why: `node head ${head} is below checkpoint block ${cp.number} (node reset?)` };
  }
  const from = Math.max(cp.number + 1, head - o.maxBlocks + 1);
  return { action: 'backfill', from, to: head, skipped: from - (cp.number + 1) };
}

export interface RunResumeOptions {
  fetcher: BlockFetcher;
  monitor: BlockMonitor;
  pipeline: BlockPipeline;
  cp: Checkpoint;
  plan: Extract<ResumePlan, { action: 'backfill' }>;
  windowSize?: number;
  concurrency?: number;
  onProgress?: (p: BackfillProgress) => void;
  signal?: AbortSignal;
}

/**
 * Seed the monitor with the checkpoint block and feed the downtime through the pipeline as
 * historical blocks. When part of the downtime is skipped (too long), the monitor is seeded at
 * the block before the first one fetched, read from the node, so the skip is not taken for a gap.
 */
export async function runResume(o: RunResumeOptions): Promise<BackfillResult> {
  const { cp, plan } = o;
  if (plan.skipped > 0) {
    const before = await o.fetcher.getBlock(plan.from - 1);
    if (before) o.monitor.seed({ ...before, genesis_hash: cp.genesis_hash });
    else o.monitor.seed(cp);
  } else {
    o.monitor.seed(cp);
  }
  return backfill({
    fetcher: o.fetcher,
    from: plan.from,
    windowSize: o.windowSize,
    concurrency: o.concurrency,
    onBlock: (b) => o.pipeline.historical(b),
    onProgress: o.onProgress,
    signal: o.signal,
  });
}

/**
 * What the log already says about blocks after the checkpoint: record key → whether its last line
 * is recovered. A process killed after appending records but before its (throttled) checkpoint
 * reached disk backfills those blocks again and detects the same records; the log is the truth,
 * so the service writes none of them twice. Reads the active file only (rotated files hold older
 * records); an unreadable log is an empty answer, not an error.
 */
export async function loggedAfter(logPath: string, afterBlock: number): Promise<Map<string, boolean>> {
  const out = new Map<string, boolean>();
  try {
    for await (const { record } of readLog(logPath, { siblings: false, filter: (r) => r.block_number > afterBlock })) {
      out.set(recordKey(record), record.recovered);
    }
  } catch {
    /* missing or unreadable: nothing logged to protect */
  }
  return out;
}

/**
 * Gap records the log holds that were neither recovered nor given up on (a process stopped, or
 * was killed, while their recovery was still retrying): the newest `limit` of them, lowest block
 * first. A restart hands them back to recovery, so "did it come back?" still gets an answer.
 * Reads the active file only; an unreadable log is an empty answer.
 */
export async function unrecoveredGaps(logPath: string, limit: number): Promise<MissedBlock[]> {
  const open: MissedBlock[] = [];
  try {
    for await (const { record } of readLog(logPath, { siblings: false })) {
      if ((record.kind ?? 'gap') === 'gap' && !record.recovered && record.metadata?.recovery_failed !== true) open.push(record);
    }
  } catch {
    /* missing or unreadable: nothing to carry over */
  }
  open.sort((a, b) => a.block_number - b.block_number);
  return open.slice(Math.max(0, open.length - limit));
}
