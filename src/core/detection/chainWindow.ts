// Our view of the last N canonical blocks (number → hash), which is all reorg detection needs.
// Bounded: a reorg deeper than the window is reported as deep as the window reaches.

export interface HeldBlock {
  number: number;
  hash: string;
  /** '' when unknown (a checkpoint or a recovered block). */
  parentHash: string;
  timestamp: number;
}

export class ChainWindow {
  private readonly byNumber = new Map<number, HeldBlock>();
  private top = -1;

  constructor(readonly size: number) {}

  get(n: number): HeldBlock | undefined {
    return this.byNumber.get(n);
  }

  /** Lowest number the window can still hold; below it we know nothing. */
  floor(): number {
    return this.top - this.size + 1;
  }

  set(b: HeldBlock): void {
    if (b.number < this.floor()) return;
    this.byNumber.set(b.number, b);
    if (b.number > this.top) {
      this.top = b.number;
      const floor = this.floor();
      for (const n of this.byNumber.keys()) if (n < floor) this.byNumber.delete(n);
    }
  }

  delete(n: number): void {
    this.byNumber.delete(n);
  }

  /** Forget everything above `n` (a reorg to a lower head). */
  truncateAbove(n: number): void {
    for (const k of [...this.byNumber.keys()]) if (k > n) this.byNumber.delete(k);
    this.top = n;
  }

  clear(): void {
    this.byNumber.clear();
    this.top = -1;
  }
}
