// The BlockMonitor's options and argument types, and the check every delivered block passes
// before any rule sees it (a malformed block is the feed's bug, not a missed block).
import type { BlockInfo } from '../model';

export interface MonitorOptions {
  /** Endpoint label written into records as `source`. */
  source: string;
  chainId?: number;
  /** Wall clock in ms; default Date.now. */
  now?: () => number;
  /** An endpoint more than this many blocks behind the best one is NodeUnresponsive. Default 3. */
  headLagThreshold?: number;
  /** Unix seconds of slot 0, for slot numbers (mainnet beacon genesis: 1606824023). Default 0. */
  genesisTime?: number;
  /** Most records made for one gap or one run of empty slots. Default 10 000. */
  maxGapRecords?: number;
  /** Records held for streaks, escalation and recovery lookups. Default 4096. */
  recordWindow?: number;
  /** Block hashes held for reorg detection (the deepest reorg we can measure). Default 256. */
  hashWindow?: number;
  /** A listener threw. Default: rethrow on a microtask, so the bug is loud but the monitor's state stays whole. */
  onListenerError?: (err: unknown) => void;
}

export interface ProcessOptions {
  /**
   * Blocks of the new branch below `b` (any order), for measuring a reorg in one call. Without
   * them a reorg is reported as deep as the blocks at hand prove, and neededAncestor() names the
   * block to fetch next.
   */
  ancestors?: readonly BlockInfo[];
  /** Fetched after the fact (backfill), not delivered live: no arrival-delay check. */
  historical?: boolean;
}

export interface RecoveredInfo {
  /** Unix seconds. */
  recoveredAt: number;
  recoveryMs: number;
  attempts: number;
  block_hash?: string;
  /** The recovered block's own timestamp: its empty slots against known neighbours become missed_slot records. */
  block_timestamp?: number;
}

export function validateBlock(b: BlockInfo): void {
  if (!Number.isSafeInteger(b.number) || b.number < 0) throw new RangeError(`block number must be a whole number ≥ 0, got ${b.number}`);
  if (!Number.isFinite(b.timestamp) || b.timestamp < 0) throw new RangeError(`block ${b.number}: timestamp must be ≥ 0, got ${b.timestamp}`);
  if (typeof b.hash !== 'string' || typeof b.parentHash !== 'string') throw new TypeError(`block ${b.number}: hash and parentHash must be strings`);
}
