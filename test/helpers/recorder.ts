// Records everything a BlockSource emits, in order, so tests can wait (bounded) for exact sequences.
import type { BlockInfo, MissedBlockReason } from '../../src/core/model';
import type { BlockSource } from '../../src/node/chain/types';
import { waitFor } from './wait';

export interface SourceRecord {
  blocks: BlockInfo[];
  errors: MissedBlockReason[];
  /** 'block:N', 'error:Reason', 'down:Reason', 'up' in arrival order. */
  log: string[];
  /** Resolves when a block with number ≥ n arrived (or fails after timeoutMs). */
  waitBlock(n: number, timeoutMs?: number): Promise<BlockInfo>;
  waitLog(entry: string, timeoutMs?: number, from?: number): Promise<number>;
}

export function record(source: BlockSource): SourceRecord {
  const r: SourceRecord = {
    blocks: [],
    errors: [],
    log: [],
    waitBlock: (n, timeoutMs = 10_000) =>
      waitFor(() => r.blocks.find((b) => b.number >= n), { timeoutMs, what: `block ${n} from ${source.endpoint.label} (log: ${r.log.slice(-8).join(' ')})` }),
    /** Index of the first `entry` at or after `from`. */
    waitLog: (entry, timeoutMs = 10_000, from = 0) =>
      waitFor(() => {
        const i = r.log.indexOf(entry, from);
        return i >= 0 ? i : undefined;
      }, { timeoutMs, what: `'${entry}' from ${source.endpoint.label} (log: ${r.log.slice(-8).join(' ')})` }),
  };
  source.on('block', (b) => {
    r.blocks.push(b);
    r.log.push(`block:${b.number}`);
  });
  source.on('error', (reason) => {
    r.errors.push(reason);
    r.log.push(`error:${reason}`);
  });
  source.on('down', (reason) => r.log.push(`down:${reason}`));
  source.on('up', () => r.log.push('up'));
  return r;
}
