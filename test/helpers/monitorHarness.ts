// A BlockMonitor on a hand-driven clock, with blocks whose hashes are real 32-byte hex (so records
// pass the log schema) and name their branch, so reorg tests can say "branch b replaces a from 103".
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DEFAULT_MONITORING, type BlockMonitoringConfig } from '../../src/core/config';
import type { BlockInfo, MissedBlock } from '../../src/core/model';
import { recordKey } from '../../src/core/model';
import { BlockMonitor, type MonitorOptions, type RecordChange } from '../../src/core/monitor';

/** Unix s, a multiple of 12: slot numbers below are exact. */
export const T0 = 1_700_000_004;
export const T0_SLOT = T0 / 12;

export function hashOf(branch: string, n: number): string {
  return `0x${createHash('sha256').update(`${branch}:${n}`).digest('hex')}`;
}

/** Block n of `branch`, its parent being block n−1 of `parentBranch` (default the same branch). */
export function blk(n: number, timestamp: number, branch = 'a', parentBranch = branch): BlockInfo {
  return { number: n, hash: hashOf(branch, n), parentHash: hashOf(parentBranch, n - 1), timestamp };
}

export class Harness {
  ms: number;
  readonly monitor: BlockMonitor;
  readonly events: { r: MissedBlock; change: RecordChange }[] = [];
  /** Last version of every record announced, by key: what a log reader would keep. */
  readonly latest = new Map<string, MissedBlock>();

  constructor(config: Partial<BlockMonitoringConfig> = {}, opts: Partial<MonitorOptions> = {}, startSec = T0) {
    this.ms = startSec * 1000;
    this.monitor = new BlockMonitor({ ...DEFAULT_MONITORING, ...config }, { source: 'test', now: () => this.ms, ...opts });
    this.monitor.onRecord((r, change) => {
      this.events.push({ r, change });
      this.latest.set(recordKey(r), r);
    });
  }

  at(sec: number): this {
    this.ms = Math.round(sec * 1000);
    return this;
  }

  /** Deliver block `b` at wall-clock second `arrival` (default: 1 s after its timestamp). */
  feed(b: BlockInfo, arrival = b.timestamp + 1, ancestors?: BlockInfo[]): MissedBlock[] {
    this.at(arrival);
    return this.monitor.processBlock(b, ancestors ? { ancestors } : {});
  }

  /** Blocks from..to of branch a, one per 12 s from `ts0`, each arriving 1 s after its timestamp. */
  run(from: number, to: number, ts0: number): MissedBlock[] {
    const out: MissedBlock[] = [];
    for (let n = from; n <= to; n++) out.push(...this.feed(blk(n, ts0 + (n - from) * 12)));
    return out;
  }

  /** tick() once per second from `fromSec` to `toSec` inclusive; everything it made. */
  tickEach(fromSec: number, toSec: number): MissedBlock[] {
    const out: MissedBlock[] = [];
    for (let s = fromSec; s <= toSec; s++) out.push(...this.at(s).monitor.tick());
    return out;
  }
}

export const summary = (rs: readonly MissedBlock[]) =>
  rs.map((r) => `${r.block_number} ${r.kind} ${r.reason} ${r.severity}`);

/**
 * A monitor (source 'primary') that saw blocks 1 and 4 from `direct` (2 and 3 skipped): two pending
 * gap records, for the recovery tests; `updates` collects its 'updated' records (recovery's rewrites).
 */
export async function gapMonitor(
  direct: { getBlock(n: number): Promise<BlockInfo | null | undefined> },
  monitoring: Partial<BlockMonitoringConfig>,
): Promise<{ monitor: BlockMonitor; updates: MissedBlock[] }> {
  const monitor = new BlockMonitor({ ...DEFAULT_MONITORING, ...monitoring }, { source: 'primary' });
  const updates: MissedBlock[] = [];
  monitor.onRecord((r, change) => change === 'updated' && updates.push(r));
  monitor.processBlock((await direct.getBlock(1))!);
  monitor.processBlock((await direct.getBlock(4))!);
  assert.deepEqual(monitor.pending().map((r) => r.block_number), [2, 3]);
  return { monitor, updates };
}
