// At most N heavy requests (exports, reports: each reads whole logs) at a time; the rest wait their
// turn instead of opening hundreds of files and holding hundreds of key tables at once.
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('limit must be a whole number ≥ 1');
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter (active stays the same), or free it.
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    }
  }

  get waiting(): number {
    return this.queue.length;
  }
}
