// The hash of block 0 of the chain we follow, and when to ask the node for it again: a node
// restarted without its state looks like a gap, a reorg or a lower head, so any block that does not
// simply extend or repeat what we hold gets the genesis hash checked. A different hash than before
// is a chain reset (the monitor records it). Pure.
import type { BlockInfo } from '../model';
import type { ChainWindow, HeldBlock } from './chainWindow';

export class GenesisWatch {
  /** Hash of block 0, once known. */
  hash?: string;

  /** Whether `b` needs the genesis hash checked before processing, given our head and held blocks. */
  needsCheck(head: HeldBlock | undefined, chain: ChainWindow, b: BlockInfo): boolean {
    if (this.hash === undefined || !head) return true;
    if (b.number === head.number + 1) return head.hash !== '' && b.parentHash !== head.hash;
    return chain.get(b.number)?.hash !== b.hash;
  }

  /** The node reports `hash` now: it is kept; returns the hash it replaced when they differ. */
  note(hash: string): string | undefined {
    const before = this.hash;
    this.hash = hash;
    return before !== undefined && before !== hash ? before : undefined;
  }
}
