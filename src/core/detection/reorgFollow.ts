// Following a reorg from the block that revealed it to its verdict: how deep it went (once the
// common ancestor is found, or no more of the new branch can be had), or — when the new chain
// shares no block with ours — that the node's chain began again. The monitor turns the verdict
// into records; this only keeps the walk.
import type { BlockInfo } from '../model';
import type { ChainWindow, HeldBlock } from './chainWindow';
import { held, ReorgTrace, type Replaced } from './reorgTrace';

export type ReorgVerdict =
  /** Our blocks `replaced` (in block order) were replaced; `complete` false when the walk stopped short. */
  | { kind: 'reorg'; replaced: Replaced[]; depth: number; complete: boolean; oldHead: HeldBlock; newHead: HeldBlock }
  /** No block in common: the new branch replaced our block 0, or ran out of the window under a lower head. */
  | { kind: 'reset'; newHead: HeldBlock; depthSeen: number };

export class ReorgFollow {
  private trace?: { walk: ReorgTrace; oldHead: HeldBlock; newHead: HeldBlock };

  constructor(private readonly chain: ChainWindow) {}

  /** While measuring: the new-branch block to fetch next (by number; it must have this hash). */
  needs(): { number: number; hash: string } | undefined {
    const n = this.trace?.walk.needs;
    return n ? { ...n } : undefined;
  }

  /** `b` (above our head) does not link to our head. A verdict when the blocks at hand settle it. */
  fork(head: HeldBlock, b: BlockInfo, ancestors?: readonly BlockInfo[]): ReorgVerdict | undefined {
    this.chain.set(held(b));
    return this.start(head, b, [], ancestors);
  }

  /** A new head at or below ours with another hash: our blocks from its height up are replaced. */
  lowerHead(head: HeldBlock, b: BlockInfo, ancestors?: readonly BlockInfo[]): ReorgVerdict | undefined {
    const above: Replaced[] = [];
    for (let n = b.number; n <= head.number; n++) {
      const ours = this.chain.get(n);
      if (ours) above.push({ old: ours, ...(n === b.number ? { newHash: b.hash } : {}) });
    }
    this.chain.truncateAbove(b.number - 1);
    this.chain.set(held(b));
    return this.start(head, b, above, ancestors);
  }

  /** New-branch blocks asked for by needs(); a verdict once the common ancestor is found. */
  supply(blocks: readonly BlockInfo[]): ReorgVerdict | undefined {
    if (!this.trace) return undefined;
    this.trace.walk.advance(blocks);
    return this.trace.walk.done ? this.conclude() : undefined;
  }

  /** The walk goes no further: the verdict as far as it got (undefined when nothing is being followed). */
  conclude(): ReorgVerdict | undefined {
    const t = this.trace;
    if (!t) return undefined;
    this.trace = undefined;
    const { walk } = t;
    const depth = walk.replaced.length;
    if (walk.replaced.some((r) => r.old.number === 0) || (walk.beyondWindow && t.newHead.number < t.oldHead.number)) {
      return { kind: 'reset', newHead: t.newHead, depthSeen: depth };
    }
    // In block order, as the rest of the log is.
    const replaced = [...walk.replaced].sort((x, y) => x.old.number - y.old.number);
    return { kind: 'reorg', replaced, depth, complete: walk.done && !walk.beyondWindow, oldHead: t.oldHead, newHead: t.newHead };
  }

  /** Forget the walk (the chain began again: what it measured is that). */
  drop(): void {
    this.trace = undefined;
  }

  private start(head: HeldBlock, b: BlockInfo, above: Replaced[], ancestors?: readonly BlockInfo[]): ReorgVerdict | undefined {
    // A walk still open (its ancestors never came) is settled first by the caller (conclude()).
    const walk = new ReorgTrace(this.chain, b, above);
    this.trace = { walk, oldHead: head, newHead: held(b) };
    walk.advance(ancestors);
    return walk.done ? this.conclude() : undefined;
  }
}
