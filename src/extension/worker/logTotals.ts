// The whole-log totals the editor shows, kept off the extension host's thread (logWorker.ts runs
// this). One slot per record key (the last record written for a (block_number, kind) wins, the
// rule every reader follows), held in columns rather than objects so a million records stay small.
// The report is the core's ReportBuilder over those slots: the numbers `mbm report` prints.
import { MISSED_BLOCK_KINDS, recordKey, type MissedBlock } from '../../core/model';
import { ReportBuilder, type Report } from '../../core/report';

/** What ReportBuilder reads of a record; the rest of a record is not kept. */
type Kept = Pick<MissedBlock, 'block_number' | 'timestamp' | 'reason' | 'severity' | 'kind' | 'recovered' | 'recovery_ms' | 'recovered_at'>;

/**
 * A record whose recordKey is just `${block_number}:${kind}` (most of a log) is keyed by a number:
 * a million string keys would cost the worker ~100 MB more. Others keep recordKey's string.
 */
function numericKey(r: MissedBlock): number | undefined {
  const kind = r.kind ?? 'gap';
  if (kind === 'payload_missed' || kind === 'tx_missed') return undefined;
  if ((kind === 'reorg' || kind === 'chain_reset') && r.block_hash !== undefined) return undefined;
  if (kind === 'missed_slot' && r.slot !== undefined) return undefined;
  const kindIndex = MISSED_BLOCK_KINDS.indexOf(kind);
  const k = r.block_number * MISSED_BLOCK_KINDS.length + kindIndex;
  return kindIndex >= 0 && Number.isSafeInteger(k) && k >= 0 && Number.isInteger(r.block_number) ? k : undefined;
}

export class LogTotals {
  private readonly index = new Map<string, number>();
  private readonly numIndex = new Map<number, number>();
  private size = 0;
  private block = new Float64Array(1024);
  private time = new Float64Array(1024);
  private recoveryMs = new Float64Array(1024);
  private recoveredAt = new Float64Array(1024);
  private flags = new Uint8Array(1024);
  private reason = new Uint16Array(1024);
  private severity = new Uint16Array(1024);
  private kind = new Uint16Array(1024);
  /** Records ReportBuilder reads more of (a missed payload's relay and value): kept whole; rare. */
  private readonly whole = new Map<number, MissedBlock>();
  private readonly names: string[] = [];
  private readonly nameIds = new Map<string, number>();

  /** Distinct records (after collapsing rewrites). */
  get count(): number {
    return this.size;
  }

  add(r: MissedBlock): void {
    const num = numericKey(r);
    const key = num === undefined ? recordKey(r) : undefined;
    let i = num === undefined ? this.index.get(key!) : this.numIndex.get(num);
    if (i === undefined) {
      i = this.size++;
      if (i === this.block.length) this.grow();
      if (num === undefined) this.index.set(key!, i);
      else this.numIndex.set(num, i);
    }
    this.block[i] = r.block_number;
    this.time[i] = r.timestamp;
    this.recoveryMs[i] = typeof r.recovery_ms === 'number' ? r.recovery_ms : NaN;
    this.recoveredAt[i] = typeof r.recovered_at === 'number' ? r.recovered_at : NaN;
    this.flags[i] = (r.recovered ? 1 : 0) | (r.kind === undefined ? 2 : 0);
    this.reason[i] = this.id(r.reason);
    this.severity[i] = this.id(r.severity);
    this.kind[i] = r.kind === undefined ? 0 : this.id(r.kind);
    if (r.kind === 'payload_missed') this.whole.set(i, r);
    else this.whole.delete(i);
  }

  clear(): void {
    this.index.clear();
    this.numIndex.clear();
    this.whole.clear();
    this.size = 0;
  }

  /** The core report over every record held (`mbm report`'s numbers for the same lines). */
  report(opts: { topStreaks?: number } = {}): Report {
    const b = new ReportBuilder();
    const r = {} as Kept;
    for (let i = 0; i < this.size; i++) {
      const kept = this.whole.get(i);
      if (kept) {
        b.add(kept);
        continue;
      }
      r.block_number = this.block[i];
      r.timestamp = this.time[i];
      r.reason = this.names[this.reason[i]] as Kept['reason'];
      r.severity = this.names[this.severity[i]] as Kept['severity'];
      r.kind = this.flags[i] & 2 ? undefined : (this.names[this.kind[i]] as Kept['kind']);
      r.recovered = (this.flags[i] & 1) === 1;
      r.recovery_ms = Number.isNaN(this.recoveryMs[i]) ? undefined : this.recoveryMs[i];
      r.recovered_at = Number.isNaN(this.recoveredAt[i]) ? undefined : this.recoveredAt[i];
      // ReportBuilder copies what it keeps, so one scratch object serves every record.
      b.add(r as MissedBlock);
    }
    return b.build({ topStreaks: opts.topStreaks ?? 10 });
  }

  private id(name: string): number {
    let n = this.nameIds.get(name);
    if (n === undefined) {
      n = this.names.length;
      this.names.push(name);
      this.nameIds.set(name, n);
    }
    return n;
  }

  private grow(): void {
    const n = this.block.length * 2;
    const g = <T extends Float64Array | Uint8Array | Uint16Array>(a: T, C: new (n: number) => T): T => {
      const b = new C(n);
      b.set(a);
      return b;
    };
    this.block = g(this.block, Float64Array);
    this.time = g(this.time, Float64Array);
    this.recoveryMs = g(this.recoveryMs, Float64Array);
    this.recoveredAt = g(this.recoveredAt, Float64Array);
    this.flags = g(this.flags, Uint8Array);
    this.reason = g(this.reason, Uint16Array);
    this.severity = g(this.severity, Uint16Array);
    this.kind = g(this.kind, Uint16Array);
  }
}
