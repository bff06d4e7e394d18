// Missed records over time, stacked by severity. Counts are kept per second of detection time
// (exact, and cheap to update as records come and go); a view re-bins them into at most `maxBins`
// buckets of a width people read easily (1 min, 5 min, 1 h, 1 day…).
import { MISSED_BLOCK_SEVERITIES } from '../../core/model';

const NICE_WIDTHS = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** The smallest nice bucket width (s) that covers `spanSeconds` in at most `maxBins` buckets. */
export function bucketWidth(spanSeconds: number, maxBins: number): number {
  const need = Math.max(1, spanSeconds / Math.max(1, maxBins));
  for (const w of NICE_WIDTHS) if (w >= need) return w;
  const day = 86400;
  return Math.ceil(need / day) * day;
}

export interface TimelineSeries {
  /** Bucket width in seconds. */
  bucketSeconds: number;
  /** Bucket start times (unix s), consecutive (empty buckets are zeros, not gaps). */
  x: number[];
  /** One count array per severity, in MISSED_BLOCK_SEVERITIES order. */
  bySeverity: number[][];
}

/** Per-second, per-severity counts with removal, so rewritten records can be taken back out. */
export class SecondCounts {
  // One number key per (second, severity): no allocation per record (an array per second cost
  // more than the rest of the aggregation together on a 100k-record snapshot). Seconds count from
  // the first one seen, so keys stay small integers: a unix time × 8 is beyond V8's small-integer
  // range (31 bits in Chromium) and would make every key a heap number, several times slower.
  private readonly counts = new Map<number, number>();
  private base: number | undefined;

  add(ts: number, severity: number, sign: 1 | -1): void {
    this.base ??= ts;
    const k = (ts - this.base) * 8 + severity;
    const n = (this.counts.get(k) ?? 0) + sign;
    if (n <= 0) this.counts.delete(k);
    else this.counts.set(k, n);
  }

  clear(): void {
    this.counts.clear();
  }

  series(maxBins: number): TimelineSeries {
    const sev = MISSED_BLOCK_SEVERITIES.length;
    if (this.counts.size === 0) return { bucketSeconds: 60, x: [], bySeverity: Array.from({ length: sev }, () => []) };
    let lo = Infinity;
    let hi = -Infinity;
    const base = this.base ?? 0;
    for (const k of this.counts.keys()) {
      const t = Math.floor(k / 8) + base;
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
    const w = bucketWidth(hi - lo + 1, maxBins);
    const first = Math.floor(lo / w);
    const n = Math.floor(hi / w) - first + 1;
    const bySeverity = Array.from({ length: sev }, () => new Array<number>(n).fill(0));
    for (const [k, c] of this.counts) {
      const rel = Math.floor(k / 8);
      bySeverity[k - rel * 8][Math.floor((rel + base) / w) - first] += c;
    }
    const x = Array.from({ length: n }, (_, i) => (first + i) * w);
    return { bucketSeconds: w, x, bySeverity };
  }
}
