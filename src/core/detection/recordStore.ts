// The monitor's recent records, bounded. Streaks, escalation and recovery look records up here;
// once a record leaves, only the cumulative counters remember it. Gap records still waiting for
// recovery are kept past the window (when recovery is on) so markRecovered can find them, up to
// their own cap.
import { recordKey, type MissedBlock } from '../model';

export class RecordStore {
  private readonly byKey = new Map<string, MissedBlock>();
  /** Keys of unrecovered, unsettled gap records, oldest first. */
  private readonly pendingKeys = new Set<string>();
  /** Pending keys dropped because there were more than maxPending of them. */
  pendingDropped = 0;

  constructor(
    private readonly window: number,
    private readonly maxPending: number,
    private readonly protectPending: boolean,
  ) {}

  get(key: string): MissedBlock | undefined {
    return this.byKey.get(key);
  }

  values(): IterableIterator<MissedBlock> {
    return this.byKey.values();
  }

  get size(): number {
    return this.byKey.size;
  }

  get pendingCount(): number {
    return this.pendingKeys.size;
  }

  /** Store a record under its key (replacing any held one). */
  put(r: MissedBlock): void {
    const key = recordKey(r);
    this.byKey.set(key, r);
    if ((r.kind ?? 'gap') === 'gap' && !r.recovered) this.pendingKeys.add(key);
    while (this.pendingKeys.size > this.maxPending) {
      this.pendingKeys.delete(this.pendingKeys.values().next().value!);
      this.pendingDropped += 1;
    }
    this.evict();
  }

  /** Recovery is done with this record (recovered or given up). */
  settle(key: string): void {
    this.pendingKeys.delete(key);
    this.evict();
  }

  /** Forget every held record (the chain began again: nothing held describes it). */
  clear(): void {
    this.byKey.clear();
    this.pendingKeys.clear();
  }

  pending(): MissedBlock[] {
    const out: MissedBlock[] = [];
    for (const k of this.pendingKeys) {
      const r = this.byKey.get(k);
      if (r) out.push(r);
    }
    return out.sort((a, b) => a.block_number - b.block_number);
  }

  private evict(): void {
    let excess = this.byKey.size - (this.protectPending ? this.pendingKeys.size : 0) - this.window;
    if (excess <= 0) return;
    for (const k of this.byKey.keys()) {
      if (excess <= 0) break;
      if (this.protectPending && this.pendingKeys.has(k)) continue;
      this.byKey.delete(k);
      this.pendingKeys.delete(k);
      excess -= 1;
    }
  }
}
