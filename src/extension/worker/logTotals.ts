// The whole-log totals the editor shows, kept off the extension host's thread (logWorker.ts runs
// this). One slot per record key (the last record written for a (block_number, kind) wins, the
// rule every reader follows), held in columns rather than objects so a million records stay small.
// The report is the core's ReportBuilder over those slots: the numbers `mbm report` prints.
import { MISSED_BLOCK_KINDS, MISSED_BLOCK_SEVERITIES, recordKey, type MissedBlock } from '../../core/model';
import { recoveryMsOf, type DashRecord } from '../../common/dashboard/wire';
import { ReportBuilder, type Report } from '../../core/report';
import { isBeaconMissedSlot } from '../../core/proposers';

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
  // What the dashboard reads besides: expected time, slot (NaN: none), source (a name id) and the
  // line in the active file (0: in a rotated part, or not known).
  private expected = new Float64Array(1024);
  private slot = new Float64Array(1024);
  private source = new Uint16Array(1024);
  private line = new Int32Array(1024);
  /** Records ReportBuilder reads more of (a missed payload's relay and value, a beacon missed slot's proposer): kept whole; rare. */
  private readonly whole = new Map<number, MissedBlock>();
  private readonly names: string[] = [];
  private readonly nameIds = new Map<string, number>();

  /** Distinct records (after collapsing rewrites). */
  get count(): number {
    return this.size;
  }

  add(r: MissedBlock, line = 0): void {
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
    this.expected[i] = r.expected_timestamp;
    this.slot[i] = typeof r.slot === 'number' ? r.slot : NaN;
    this.source[i] = this.id(r.source ?? '');
    this.line[i] = line;
    if (r.kind === 'payload_missed' || isBeaconMissedSlot(r)) this.whole.set(i, r);
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

  /** The active file was rotated: no record has a line in it any more. */
  forgetLines(): void {
    this.line.fill(0, 0, this.size);
  }

  /** Row i as the dashboard reads a record, into `out` (a scratch object reused row after row). */
  row(i: number, out: DashRecord): DashRecord {
    const kept = this.whole.get(i);
    const f = this.flags[i];
    out.key = '';
    out.timestamp = this.time[i];
    out.block = this.block[i];
    out.expected = this.expected[i];
    out.severity = Math.max(0, MISSED_BLOCK_SEVERITIES.indexOf(this.names[this.severity[i]] as never));
    out.kind = f & 2 ? 0 : Math.max(0, MISSED_BLOCK_KINDS.indexOf(this.names[this.kind[i]] as never));
    out.reason = this.names[this.reason[i]];
    out.source = this.names[this.source[i]];
    out.slot = Number.isNaN(this.slot[i]) ? -1 : this.slot[i];
    out.recovered = (f & 1) === 1;
    out.recoveryMs = recoveryMsOf({
      recovered: out.recovered,
      timestamp: out.timestamp,
      recovery_ms: Number.isNaN(this.recoveryMs[i]) ? undefined : this.recoveryMs[i],
      recovered_at: Number.isNaN(this.recoveredAt[i]) ? undefined : this.recoveredAt[i],
    } as MissedBlock);
    out.file = '';
    out.line = this.line[i];
    // As BatchWriter (wire.ts) reads them: a missed payload's slot, relay and value; a beacon
    // missed slot's slot and, when watched, its proposer.
    const payload = kept?.kind === 'payload_missed';
    const beaconSlotMissed = kept?.kind === 'missed_slot' && typeof kept.beacon_slot === 'number';
    out.beaconSlot = kept && (payload || beaconSlotMissed) && typeof kept.beacon_slot === 'number' ? kept.beacon_slot : -1;
    const watched = beaconSlotMissed && kept.metadata?.proposer_watched === true && typeof kept.proposer_index === 'number';
    out.proposer = watched ? kept.proposer_index! : -1;
    out.proposerKey = watched && typeof kept.proposer_pubkey === 'string' ? kept.proposer_pubkey : '';
    out.relay = payload && typeof kept.relay === 'string' ? kept.relay : '';
    out.valueWei = payload && typeof kept.payload_value_wei === 'string' ? kept.payload_value_wei : '';
    return out;
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
    const g = <T extends Float64Array | Uint8Array | Uint16Array | Int32Array>(a: T, C: new (n: number) => T): T => {
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
    this.expected = g(this.expected, Float64Array);
    this.slot = g(this.slot, Float64Array);
    this.source = g(this.source, Uint16Array);
    this.line = g(this.line, Int32Array);
  }
}
