// Everything the charts count, kept up to date one record at a time. Each record contributes with
// sign +1 when it arrives and −1 when a newer version of it (a recovery rewrite) replaces it, so
// the totals never drift from what a recount would give.
import { CELL_STATES, cellStateOf, columnOf, epochOf, slotOf, SLOTS_PER_EPOCH, type HeatmapRow, type SlotClock } from './heatmap';
import { RECOVERY_EDGES_MS, recoveryBucket } from './histogram';
import { SecondCounts } from './timeline';
import type { DashRecord } from './wire';

function bump<K>(m: Map<K, number>, k: K, sign: number): void {
  const n = (m.get(k) ?? 0) + sign;
  if (n === 0) m.delete(k);
  else m.set(k, n);
}

export class Aggregates {
  total = 0;
  recovered = 0;
  recoveryMsSum = 0;
  recoveryMsCount = 0;
  readonly seconds = new SecondCounts();
  readonly reasons = new Map<string, number>();
  readonly histogram = new Array<number>(RECOVERY_EDGES_MS.length).fill(0);
  /** Records per block number: distinct blocks and the span for missed %. */
  readonly blocks = new Map<number, number>();
  /** Per epoch: counts of each cell state per slot (SLOTS_PER_EPOCH × CELL_STATES). */
  private readonly cells = new Map<number, Uint32Array>();

  constructor(private readonly clock: SlotClock) {}

  add(r: DashRecord, sign: 1 | -1): void {
    this.total += sign;
    this.seconds.add(r.timestamp, r.severity, sign);
    bump(this.reasons, r.reason, sign);
    bump(this.blocks, r.block, sign);
    if (r.recovered) {
      this.recovered += sign;
      if (r.recoveryMs >= 0) {
        this.recoveryMsSum += sign * r.recoveryMs;
        this.recoveryMsCount += sign;
        this.histogram[recoveryBucket(r.recoveryMs)] += sign;
      }
    }
    const slot = slotOf(r, this.clock);
    const epoch = epochOf(slot);
    let row = this.cells.get(epoch);
    if (!row) {
      if (sign < 0) return;
      row = new Uint32Array(SLOTS_PER_EPOCH * CELL_STATES);
      this.cells.set(epoch, row);
    }
    row[columnOf(slot) * CELL_STATES + cellStateOf(r)] += sign;
    if (sign < 0 && row.every((n) => n === 0)) this.cells.delete(epoch);
  }

  /** Newest epochs first, at most `max` rows; each cell the highest state any of its records has. */
  heatmapRows(max: number): { rows: HeatmapRow[]; totalRows: number } {
    const epochs = [...this.cells.keys()].sort((a, b) => b - a);
    const rows = epochs.slice(0, max).map((epoch) => {
      const counts = this.cells.get(epoch)!;
      const cells = new Array<number>(SLOTS_PER_EPOCH).fill(0);
      for (let c = 0; c < SLOTS_PER_EPOCH; c++) {
        for (let s = CELL_STATES - 1; s > 0; s--) {
          if (counts[c * CELL_STATES + s] > 0) {
            cells[c] = s;
            break;
          }
        }
      }
      return { epoch, cells };
    });
    return { rows, totalRows: epochs.length };
  }
}
