// Finding how deep a reorg goes. From a new head whose ancestry disagrees with ours we walk down
// one height at a time until the new branch's parent is a block we hold (the common ancestor);
// each of our blocks passed on the way was replaced. The monitor is pure and cannot fetch, so the
// new branch's blocks come from the caller: up front (`ancestors`) or on request (`needs`).
import type { BlockInfo } from '../model';
import type { ChainWindow, HeldBlock } from './chainWindow';

export interface Replaced {
  old: HeldBlock;
  /** Hash of the new branch's block at that height, when known. */
  newHash?: string;
}

export function held(b: BlockInfo): HeldBlock {
  return { number: b.number, hash: b.hash, parentHash: b.parentHash, timestamp: b.timestamp };
}

export class ReorgTrace {
  readonly replaced: Replaced[] = [];
  /** The new-branch block the walk waits for; undefined when it is not waiting. */
  needs?: { number: number; hash: string };
  /** The walk reached a block we hold that the new branch keeps, or ran out of blocks we hold. */
  done = false;
  /** It ran out at the window's floor: the reorg may be deeper than reported. */
  beyondWindow = false;
  private cursor: { number: number; parentHash: string };

  /**
   * `chain` must already hold the new head (and no longer hold our blocks above it); `above` are
   * our blocks at heights ≥ the new head that it displaced (a new head at or below our old one).
   */
  constructor(
    private readonly chain: ChainWindow,
    newHead: BlockInfo,
    above: Replaced[],
  ) {
    this.cursor = newHead;
    this.replaced.push(...above);
  }

  /** Continue the walk with whatever new-branch blocks are given; returns the newly replaced blocks. */
  advance(branch: readonly BlockInfo[] = []): Replaced[] {
    const byNumber = new Map(branch.map((b) => [b.number, b]));
    if (this.needs) {
      const next = byNumber.get(this.needs.number);
      if (!next || next.hash !== this.needs.hash) return [];
      this.chain.set(held(next));
      this.cursor = next;
      this.needs = undefined;
    }
    const found: Replaced[] = [];
    while (!this.done) {
      const m = this.cursor.number - 1;
      const ours = m >= 0 ? this.chain.get(m) : undefined;
      if (!ours) {
        // Nothing of ours at m: below the window we cannot tell; inside it we never had the block.
        this.beyondWindow = m >= 0 && m < this.chain.floor();
        this.done = true;
        break;
      }
      if (ours.hash === this.cursor.parentHash) {
        this.done = true;
        break;
      }
      const rep: Replaced = { old: ours, newHash: this.cursor.parentHash };
      this.replaced.push(rep);
      found.push(rep);
      this.chain.delete(m);
      const next = byNumber.get(m);
      if (!next || next.hash !== rep.newHash) {
        this.needs = { number: m, hash: rep.newHash! };
        break;
      }
      this.chain.set(held(next));
      this.cursor = next;
    }
    return found;
  }
}
