// Fetch the blocks the monitor did not see while it was stopped (checkpoint + 1 … head) and hand
// them over strictly in order, so the monitor's ordinary detection (gaps, missed slots, reorgs)
// runs over the downtime exactly as it would have live. Windows of numbers go to the fetcher's
// batched getBlocks; the next windows are already in flight while one is being delivered.
import type { BlockFetcher } from './chain/types';
import type { BlockInfo } from '../core/model';
import { backoffDelay } from '../core/backoff';
import { abortableSleep as sleep } from './sleep';

export interface BackfillProgress {
  /** Blocks delivered so far. */
  done: number;
  /** Blocks known to be needed (grows when the head moves on during backfill). */
  total: number;
  /** Last delivered block number. */
  number: number;
}

export interface BackfillOptions {
  fetcher: BlockFetcher;
  /** First block number to fetch (checkpoint + 1). */
  from: number;
  /** Last block to fetch; default the fetcher's head, re-read until caught up. */
  to?: number;
  /** Block numbers per getBlocks call (the fetcher splits it into JSON-RPC batches). */
  windowSize?: number;
  /** Windows in flight at once. */
  concurrency?: number;
  /** Called once per block, in ascending order; awaited. */
  onBlock: (b: BlockInfo) => void | Promise<void>;
  onProgress?: (p: BackfillProgress) => void;
  /** How often a failing window is retried before backfill gives up. */
  retries?: number;
  retryDelayMs?: number;
  signal?: AbortSignal;
}

export interface BackfillResult {
  from: number;
  /** Last block delivered (from − 1 when none). */
  to: number;
  count: number;
  /** Set when the node had no block at this number although its head was past it: backfill stopped before it. */
  stoppedAt?: number;
  aborted: boolean;
}

async function fetchWindow(o: BackfillOptions, numbers: number[]): Promise<(BlockInfo | null)[]> {
  const retries = o.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    try {
      const got = await o.fetcher.getBlocks(numbers);
      // A node that just announced its head may not serve the newest block yet: ask once more for holes.
      const holes = got.flatMap((b, i) => (b ? [] : [i]));
      if (holes.length) {
        const again = await o.fetcher.getBlocks(holes.map((i) => numbers[i]));
        holes.forEach((i, k) => (got[i] = again[k]));
      }
      return got;
    } catch (err) {
      if (attempt >= retries || o.signal?.aborted) throw err;
      const retryAfterMs = (err as { retryAfterMs?: number }).retryAfterMs;
      await sleep(backoffDelay(attempt + 1, { initialMs: o.retryDelayMs ?? 500, maxMs: 30_000 }, retryAfterMs), o.signal);
    }
  }
}

/** Fetch and deliver blocks `from`…head in order. Throws when a window keeps failing after retries. */
export async function backfill(o: BackfillOptions): Promise<BackfillResult> {
  const windowSize = Math.max(1, o.windowSize ?? 1000);
  const concurrency = Math.max(1, o.concurrency ?? 2);
  const followHead = o.to === undefined;
  let target = o.to ?? (await o.fetcher.headNumber());
  let next = o.from; // next number to request
  let delivered = o.from - 1;
  let count = 0;
  const inflight: { numbers: number[]; result: Promise<(BlockInfo | null)[]> }[] = [];
  // Rejections are observed when their window's turn comes; avoid unhandled-rejection noise before that.
  const launch = () => {
    while (inflight.length < concurrency && next <= target) {
      const end = Math.min(target, next + windowSize - 1);
      const numbers = Array.from({ length: end - next + 1 }, (_, i) => next + i);
      const result = fetchWindow(o, numbers);
      result.catch(() => undefined);
      inflight.push({ numbers, result });
      next = end + 1;
    }
  };

  for (;;) {
    launch();
    const w = inflight.shift();
    if (!w) {
      if (!followHead || o.signal?.aborted) break;
      // The chain kept moving while we caught up: go again until the head stands still.
      const head = await o.fetcher.headNumber();
      if (head <= target) break;
      target = head;
      continue;
    }
    if (o.signal?.aborted) return { from: o.from, to: delivered, count, aborted: true };
    const blocks = await w.result;
    for (let i = 0; i < blocks.length; i++) {
      const b = blocks[i];
      if (!b || b.number !== w.numbers[i]) {
        return { from: o.from, to: delivered, count, stoppedAt: w.numbers[i], aborted: false };
      }
      await o.onBlock(b);
      delivered = b.number;
      count++;
      if (o.signal?.aborted) return { from: o.from, to: delivered, count, aborted: true };
    }
    o.onProgress?.({ done: count, total: target - o.from + 1, number: delivered });
  }
  return { from: o.from, to: delivered, count, aborted: Boolean(o.signal?.aborted) };
}
