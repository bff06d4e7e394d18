// How records cross the host → webview boundary. A snapshot of 100k records as objects would be
// ~15 MB of JSON with every field name repeated. As columns they are typed arrays: VS Code moves
// typed arrays in a webview message as binary buffers (no JSON text, no per-number parsing; since
// 1.57), and enums and strings are small indexes (strings into a per-batch table). Metadata, the
// one free-form and possibly large field, travels only for the newest records (RecordDetail).
import { MISSED_BLOCK_KINDS, MISSED_BLOCK_SEVERITIES, recordKey, txHashOf, type MissedBlock } from '../../core/model';

/** Records as parallel columns; row i is one record. -1 means "absent" in the optional columns. */
export interface RecordBatch {
  /** Strings referenced by `reason`, `source` and `file`. */
  strings: string[];
  timestamp: Float64Array;
  block: Float64Array;
  expected: Float64Array;
  /** Index into MISSED_BLOCK_SEVERITIES. */
  severity: Uint8Array;
  /** Index into MISSED_BLOCK_KINDS ('gap' when the record has none, as recordKey assumes). */
  kind: Uint8Array;
  reason: Int32Array;
  source: Int32Array;
  slot: Float64Array;
  /** A tx_missed record's transaction hash (into `strings`; part of its recordKey), else -1. */
  tx: Int32Array;
  recovered: Uint8Array;
  /** Detection-to-recovery time, by the rule report.ts uses; -1 when unknown. */
  recoveryMs: Float64Array;
  file: Int32Array;
  /** 1-based line in `file`; 0 when unknown. */
  line: Int32Array;
  /** block_hash (into `strings`) of reorg and chain_reset records, which recordKey needs; else -1. */
  hash: Int32Array;
  /** payload_missed and the beacon node's missed_slot: beacon slot (-1 otherwise); payload_missed: relay and value in wei (string indexes, -1 otherwise). */
  beaconSlot: Float64Array;
  relay: Int32Array;
  valueWei: Int32Array;
  /** The beacon node's missed_slot of a watched proposer: its validator index and public key (string index); -1 otherwise. */
  proposer: Float64Array;
  proposerKey: Int32Array;
}

type Column = Exclude<keyof RecordBatch, 'strings'>;
const COLUMNS = {
  timestamp: Float64Array,
  block: Float64Array,
  expected: Float64Array,
  severity: Uint8Array,
  kind: Uint8Array,
  reason: Int32Array,
  source: Int32Array,
  slot: Float64Array,
  tx: Int32Array,
  recovered: Uint8Array,
  recoveryMs: Float64Array,
  file: Int32Array,
  line: Int32Array,
  hash: Int32Array,
  beaconSlot: Float64Array,
  relay: Int32Array,
  valueWei: Int32Array,
  proposer: Float64Array,
  proposerKey: Int32Array,
} as const satisfies Record<Column, unknown>;

/** One record as the dashboard holds it (decoded from a batch). */
export interface DashRecord {
  key: string;
  timestamp: number;
  block: number;
  expected: number;
  severity: number;
  kind: number;
  reason: string;
  /** '' when the record names no source. */
  source: string;
  slot: number;
  recovered: boolean;
  recoveryMs: number;
  file: string;
  line: number;
  /** payload_missed and the beacon node's missed_slot: -1 otherwise. */
  beaconSlot: number;
  /** payload_missed only: '' otherwise. */
  relay: string;
  valueWei: string;
  /** The beacon node's missed_slot of a watched proposer: validator index and public key; -1 and '' otherwise. */
  proposer: number;
  proposerKey: string;
}

/** What the newest records show in full; metadata is JSON text, rendered only as text. */
export interface RecordDetail {
  key: string;
  file: string;
  line: number;
  block_number: number;
  kind: string;
  slot?: number;
  reason: string;
  severity: string;
  timestamp: number;
  expected_timestamp: number;
  actual_timestamp: number;
  recovered: boolean;
  recovery_attempts: number;
  source?: string;
  metadata: string;
}

export interface LocatedRecord {
  record: MissedBlock;
  file: string;
  /** undefined when the line is no longer known (its file was rotated away). */
  line: number | undefined;
}

/** Metadata beyond this many characters is cut: the table is for reading, the log has the rest. */
export const METADATA_CHARS = 500;

export function emptyBatch(): RecordBatch {
  return new BatchWriter().finish();
}

/** The same rule as report.ts (avg_recovery_ms) and metrics.ts: recovery_ms, else recovered_at − timestamp. */
export function recoveryMsOf(r: MissedBlock): number {
  if (!r.recovered) return -1;
  const ms = typeof r.recovery_ms === 'number' ? r.recovery_ms : typeof r.recovered_at === 'number' ? (r.recovered_at - r.timestamp) * 1000 : -1;
  return ms >= 0 ? ms : -1;
}

/** Builds a batch row by row (plain arrays while growing), interning strings. */
export class BatchWriter {
  private readonly cols = Object.fromEntries(Object.keys(COLUMNS).map((k) => [k, [] as number[]])) as Record<Column, number[]>;
  private readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  private readonly rows = new Map<string, number>();
  private n = 0;

  /** `keyOf` decides which records are one (put() overwrites): recordKey for a log, fleetRecordKey for the shared store. */
  constructor(private readonly keyOf: (r: MissedBlock) => string = recordKey) {}

  get length(): number {
    return this.n;
  }

  private str(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.strings.push(s) - 1;
      this.index.set(s, i);
    }
    return i;
  }

  add(e: LocatedRecord): void {
    this.write(this.n++, e);
  }

  /** Add, or overwrite the row of an earlier version of the same record (last one wins). */
  put(e: LocatedRecord): void {
    const key = this.keyOf(e.record);
    const row = this.rows.get(key);
    if (row !== undefined) this.write(row, e);
    else {
      this.rows.set(key, this.n);
      this.add(e);
    }
  }

  /** The batch, as typed arrays. */
  finish(): RecordBatch {
    const out: Record<string, unknown> = { strings: [...this.strings] };
    for (const k of Object.keys(COLUMNS) as Column[]) out[k] = COLUMNS[k].from(this.cols[k]);
    return out as unknown as RecordBatch;
  }

  private write(i: number, e: LocatedRecord): void {
    const r = e.record;
    const c = this.cols;
    c.timestamp[i] = r.timestamp;
    c.block[i] = r.block_number;
    c.expected[i] = r.expected_timestamp;
    c.severity[i] = Math.max(0, MISSED_BLOCK_SEVERITIES.indexOf(r.severity));
    c.kind[i] = Math.max(0, MISSED_BLOCK_KINDS.indexOf(r.kind ?? 'gap'));
    c.reason[i] = this.str(r.reason);
    c.source[i] = r.source ? this.str(r.source) : -1;
    c.slot[i] = typeof r.slot === 'number' ? r.slot : -1;
    c.tx[i] = r.kind === 'tx_missed' ? this.str(txHashOf(r)) : -1;
    c.recovered[i] = r.recovered ? 1 : 0;
    c.recoveryMs[i] = recoveryMsOf(r);
    c.file[i] = this.str(e.file);
    c.line[i] = e.line ?? 0;
    c.hash[i] = (r.kind === 'reorg' || r.kind === 'chain_reset') && r.block_hash !== undefined ? this.str(r.block_hash) : -1;
    const payload = r.kind === 'payload_missed';
    const beaconSlotMissed = r.kind === 'missed_slot' && typeof r.beacon_slot === 'number';
    c.beaconSlot[i] = (payload || beaconSlotMissed) && typeof r.beacon_slot === 'number' ? r.beacon_slot : -1;
    const watched = beaconSlotMissed && r.metadata?.proposer_watched === true && typeof r.proposer_index === 'number';
    c.proposer[i] = watched ? r.proposer_index! : -1;
    c.proposerKey[i] = watched && typeof r.proposer_pubkey === 'string' ? this.str(r.proposer_pubkey) : -1;
    c.relay[i] = payload && typeof r.relay === 'string' ? this.str(r.relay) : -1;
    c.valueWei[i] = payload && typeof r.payload_value_wei === 'string' ? this.str(r.payload_value_wei) : -1;
  }
}

/** Records of several monitors (the shared store): the source is part of what makes a record one. */
export function fleetRecordKey(r: MissedBlock): string {
  return `${r.source ?? ''}\u0000${recordKey(r)}`;
}

export function encodeBatch(entries: Iterable<LocatedRecord>): RecordBatch {
  const w = new BatchWriter();
  for (const e of entries) w.add(e);
  return w.finish();
}

export function batchLength(b: RecordBatch): number {
  return b.timestamp.length;
}

/** Row i of a batch as a record. */
export function decodeRow(b: RecordBatch, i: number): DashRecord {
  const kind = b.kind[i];
  const slot = b.slot[i];
  const src = b.source[i];
  const hash = b.hash?.[i] ?? -1;
  const tx = b.tx?.[i] ?? -1;
  const beaconSlot = b.beaconSlot?.[i] ?? -1;
  const relay = (b.relay?.[i] ?? -1) >= 0 ? (b.strings[b.relay[i]] ?? '') : '';
  const valueWei = (b.valueWei?.[i] ?? -1) >= 0 ? (b.strings[b.valueWei[i]] ?? '') : '';
  const proposer = b.proposer?.[i] ?? -1;
  const proposerKey = (b.proposerKey?.[i] ?? -1) >= 0 ? (b.strings[b.proposerKey[i]] ?? '') : '';
  return {
    key: recordKey({
      block_number: b.block[i],
      kind: MISSED_BLOCK_KINDS[kind] ?? 'gap',
      slot: slot >= 0 ? slot : undefined,
      beacon_slot: beaconSlot >= 0 ? beaconSlot : undefined,
      relay: relay || undefined,
      block_hash: hash >= 0 ? b.strings[hash] : undefined,
      ...(tx >= 0 ? { metadata: { tx_hash: b.strings[tx] } } : {}),
    }),
    timestamp: b.timestamp[i],
    block: b.block[i],
    expected: b.expected[i],
    severity: b.severity[i],
    kind,
    reason: b.strings[b.reason[i]] ?? 'Unknown',
    source: src >= 0 ? (b.strings[src] ?? '') : '',
    slot,
    recovered: b.recovered[i] === 1,
    recoveryMs: b.recoveryMs[i],
    file: b.strings[b.file[i]] ?? '',
    line: b.line[i],
    beaconSlot,
    relay,
    valueWei,
    proposer,
    proposerKey,
  };
}

export function toDetail(e: LocatedRecord): RecordDetail {
  const r = e.record;
  let metadata: string;
  try {
    metadata = JSON.stringify(r.metadata ?? {});
  } catch {
    metadata = '{}';
  }
  if (metadata.length > METADATA_CHARS) metadata = `${metadata.slice(0, METADATA_CHARS)}…`;
  return {
    key: recordKey(r),
    file: e.file,
    line: e.line ?? 0,
    block_number: r.block_number,
    kind: r.kind ?? 'gap',
    ...(typeof r.slot === 'number' ? { slot: r.slot } : {}),
    reason: r.reason,
    severity: r.severity,
    timestamp: r.timestamp,
    expected_timestamp: r.expected_timestamp,
    actual_timestamp: r.actual_timestamp,
    recovered: r.recovered,
    recovery_attempts: r.recovery_attempts,
    ...(r.source ? { source: r.source } : {}),
    metadata,
  };
}
