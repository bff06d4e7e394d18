// A log record as a row of mbm_records, and the batched upsert. Rows travel as the record's log
// line (toLogLine), the same text the JSONL writer appends, so the store's `record` column is the
// file's line and the spool file is plain JSONL.
import type { ClientBase } from 'pg';
import { fromParsed, txHashOf, type MissedBlock } from '../../core/model';

/** Column values for the key and the filters/aggregates; the line itself goes to `record`. */
export interface StoreRow {
  source: string;
  chain_id: number;
  block_number: number;
  kind: string;
  slot: number;
  /** payload_missed: the relay that delivered it (two relays for one slot are two rows); else ''. */
  relay: string;
  reason: string;
  severity: string;
  ts: number;
  expected_ts: number | null;
  actual_ts: number | null;
  recovery_attempts: number | null;
  recovered: boolean;
  alert_sent: boolean;
  recovered_at: number | null;
  recovery_ms: number | null;
  streak: number | null;
  record: string;
}

/** Key columns' defaults for records that lack them (NOT NULL, so the unique key always applies). */
export const NO_SOURCE = '';
export const NO_CHAIN = -1;
export const NO_SLOT = -1;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const int32 = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? v : null);
const safeInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/**
 * The `slot` key column, which tells apart what recordKey tells apart within one (block, kind):
 * a missed slot's slot; a missed payload's beacon slot; a tx_missed record's tx hash, and a reorg's or
 * chain reset's replaced hash (two reorgs at one height replaced two different blocks), each folded
 * to 52 bits. Otherwise NO_SLOT.
 */
export function keySlot(kind: string, r: Pick<MissedBlock, 'slot' | 'block_hash' | 'beacon_slot' | 'metadata'>): number {
  if (kind === 'missed_slot') return safeInt(r.slot) ? r.slot : NO_SLOT;
  // Missed payloads by their beacon slot (and, in the `relay` column, the relay: two relays delivering for one slot are two rows).
  if (kind === 'payload_missed') return safeInt(r.beacon_slot) ? r.beacon_slot : NO_SLOT;
  if (kind === 'tx_missed') return txSlot(r);
  if ((kind === 'reorg' || kind === 'chain_reset') && typeof r.block_hash === 'string') return fold52(r.block_hash);
  return NO_SLOT;
}

/** The `relay` key column: a missed payload's relay (host:port), else ''. */
export function keyRelay(kind: string, r: Pick<MissedBlock, 'relay'>): string {
  return kind === 'payload_missed' && typeof r.relay === 'string' ? r.relay : '';
}

/** The row of a log line, or a reason it cannot be stored. */
export function rowFromLine(line: string): StoreRow | { error: string } {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return { error: 'not JSON' };
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return { error: 'not a JSON object' };
  return rowFromRecord(fromParsed(obj as Record<string, unknown>), line);
}

export function rowFromRecord(r: MissedBlock, line: string): StoreRow | { error: string } {
  if (!safeInt(r.block_number) || r.block_number < 0) return { error: 'block_number is not a whole number' };
  if (typeof r.timestamp !== 'number' || !Number.isFinite(r.timestamp)) return { error: 'timestamp is not a number' };
  if (typeof r.reason !== 'string' || typeof r.severity !== 'string') return { error: 'reason/severity missing' };
  const kind = typeof r.kind === 'string' ? r.kind : 'gap';
  return {
    source: typeof r.source === 'string' ? r.source : NO_SOURCE,
    chain_id: safeInt(r.chain_id) ? r.chain_id : NO_CHAIN,
    block_number: r.block_number,
    kind,
    slot: keySlot(kind, r),
    relay: keyRelay(kind, r),
    reason: r.reason,
    severity: r.severity,
    ts: r.timestamp,
    expected_ts: num(r.expected_timestamp),
    actual_ts: num(r.actual_timestamp),
    recovery_attempts: int32(r.recovery_attempts),
    recovered: r.recovered === true,
    alert_sent: r.alert_sent === true,
    recovered_at: num(r.recovered_at),
    recovery_ms: num(r.recovery_ms),
    streak: int32(r.streak),
    record: line,
  };
}

/**
 * The store keys records by (…, kind, slot); a tx_missed record's "slot" is its transaction hash
 * folded to 52 bits (every bit of the hash counts), which tells the records of one block apart
 * without a new key column: two real transaction hashes of one block agreeing on it is a chance of
 * about n² / 2^53.
 */
function txSlot(r: { metadata?: Record<string, unknown> }): number {
  return fold52(txHashOf(r));
}

/** A 32-byte hex hash folded (xor) to 52 bits, a safe integer for the key column; NO_SLOT when not a hash. */
function fold52(hash: string): number {
  const h = hash.toLowerCase();
  if (!/^0x[0-9a-f]{64}$/.test(h)) return NO_SLOT;
  let x = BigInt(h);
  let fold = 0n;
  for (; x > 0n; x >>= 52n) fold ^= x & 0xfffffffffffffn;
  return Number(fold);
}

export function rowKey(r: Pick<StoreRow, 'source' | 'chain_id' | 'block_number' | 'kind' | 'slot' | 'relay'>): string {
  return `${r.source}\0${r.chain_id}\0${r.block_number}\0${r.kind}\0${r.slot}\0${r.relay}`;
}

/** Last version of each key, at the position of its first (the file's collapse order). */
export function collapseRows(rows: readonly StoreRow[]): StoreRow[] {
  const at = new Map<string, number>();
  const out: StoreRow[] = [];
  for (const r of rows) {
    const k = rowKey(r);
    const i = at.get(k);
    if (i === undefined) {
      at.set(k, out.length);
      out.push(r);
    } else out[i] = r;
  }
  return out;
}

const COLUMNS = [
  ['source', 'text'],
  ['chain_id', 'bigint'],
  ['block_number', 'bigint'],
  ['kind', 'text'],
  ['slot', 'bigint'],
  ['relay', 'text'],
  ['reason', 'text'],
  ['severity', 'text'],
  ['ts', 'float8'],
  ['expected_ts', 'float8'],
  ['actual_ts', 'float8'],
  ['recovery_attempts', 'int4'],
  ['recovered', 'bool'],
  ['alert_sent', 'bool'],
  ['recovered_at', 'float8'],
  ['recovery_ms', 'float8'],
  ['streak', 'int4'],
  ['record', 'text'],
] as const satisfies readonly (readonly [keyof StoreRow, string])[];

const KEY = ['source', 'chain_id', 'block_number', 'kind', 'slot', 'relay'];

/** Rows per statement: write_seq is batch * this + position. */
export const MAX_STATEMENT_ROWS = 10_000;

const UPSERT_SQL = `
WITH b AS (SELECT nextval('mbm_write_batch') AS id)
INSERT INTO mbm_records (${COLUMNS.map((c) => c[0]).join(', ')}, write_seq, first_seq)
SELECT ${COLUMNS.map((c) => (c[0] === 'record' ? 'u.record::json' : `u.${c[0]}`)).join(', ')}, b.id * ${MAX_STATEMENT_ROWS} + u.ord, b.id * ${MAX_STATEMENT_ROWS} + u.ord
  FROM b, unnest(${COLUMNS.map((c, i) => `$${i + 1}::${c[1]}[]`).join(', ')}) WITH ORDINALITY AS u(${COLUMNS.map((c) => c[0]).join(', ')}, ord)
 ORDER BY u.ord
ON CONFLICT (${KEY.join(', ')}) DO UPDATE SET
  ${[...COLUMNS.map((c) => c[0]).filter((c) => !KEY.includes(c)), 'write_seq'].map((c) => `${c} = EXCLUDED.${c}`).join(',\n  ')},
  stored_at = now()`;

/**
 * Upsert rows in statements of at most MAX_STATEMENT_ROWS, one transaction. Within the input a
 * later version of a key wins at the position of the first (ON CONFLICT may touch a row once per
 * statement, and the file's collapse keeps the last version where the first was written); an
 * update keeps the row's first_seq.
 */
export async function upsertRows(client: ClientBase, rows: readonly StoreRow[]): Promise<void> {
  if (rows.length === 0) return;
  await client.query('BEGIN');
  try {
    for (let i = 0; i < rows.length; i += MAX_STATEMENT_ROWS) {
      const chunk = collapseRows(rows.slice(i, i + MAX_STATEMENT_ROWS));
      await client.query(
        UPSERT_SQL,
        COLUMNS.map(([c]) => chunk.map((r) => r[c])),
      );
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
