// Following the shared store as it grows: rows written after a given write_seq, for a view that
// polls (the extension's fleet dashboard). write_seq is `statement batch × MAX_STATEMENT_ROWS +
// position`, taken from a sequence when a statement starts; two monitors' statements can commit
// out of that order, so each poll looks back a few statements. A row seen twice is harmless: every
// view keys records and the later version wins.
import { parseLogLine } from '../log/validate';
import type { MissedBlock } from '../../core/model';
import { MAX_STATEMENT_ROWS } from './rows';
import { storeCount, where, type Queryable, type StoreFilter } from './store';

/** Statements re-read on every poll (rows of statements that committed late). */
export const LOOKBACK_STATEMENTS = 32;

export interface StoreChanges {
  records: MissedBlock[];
  /** write_seq of each record (a caller looking back skips rows it has already seen). */
  seqs: bigint[];
  /** The highest write_seq seen (pass it to the next call); unchanged when nothing new came. */
  lastSeq: bigint;
  /** More rows than `limit` were waiting: call again at once. */
  more: boolean;
  /** Rows whose stored record no longer parses (reported, skipped). */
  bad: string[];
}

/**
 * Rows with write_seq above `afterSeq` (minus the lookback, unless `lookback` is false: a caller
 * paging through a backlog after `more` turns it off, or a full page of old rows would repeat),
 * oldest first, at most `limit`. `afterSeq` -1n reads from the start. Uses the write_seq index.
 */
export async function storeChangesSince(db: Queryable, afterSeq: bigint, f: StoreFilter = {}, limit = 5000, lookback = true): Promise<StoreChanges> {
  const from = afterSeq < 0n || !lookback ? afterSeq : afterSeq - BigInt(LOOKBACK_STATEMENTS * MAX_STATEMENT_ROWS);
  const w = where(f, 2);
  const { rows } = await db.query(
    `SELECT write_seq::text AS seq, record::text AS line FROM mbm_records WHERE write_seq > $1::bigint AND ${w.sql} ORDER BY write_seq LIMIT ${Math.max(1, Math.floor(limit)) + 1}`,
    [from.toString(), ...w.params],
  );
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { ...parseRows(page, afterSeq), more };
}

/** Rows of (seq, line) in order: the records that parse, their seqs, the highest seq, the rest reported. */
function parseRows(rows: readonly Record<string, unknown>[], lastSeq: bigint): Omit<StoreChanges, 'more'> {
  const records: MissedBlock[] = [];
  const seqs: bigint[] = [];
  const bad: string[] = [];
  for (const row of rows) {
    const seq = BigInt(row.seq as string);
    if (seq > lastSeq) lastSeq = seq;
    const p = parseLogLine(row.line as string);
    if (p.ok) {
      records.push(p.record);
      seqs.push(seq);
    } else bad.push(`write_seq ${String(row.seq)}: ${p.message}`);
  }
  return { records, seqs, lastSeq, bad };
}

/**
 * The newest `limit` rows (oldest first) and the highest write_seq: a view's first look at a
 * store that may hold millions of rows. `total` says how many matched, to tell the user what was left out.
 */
export async function storeNewest(db: Queryable, limit: number, f: StoreFilter = {}): Promise<StoreChanges & { total: number }> {
  const w = where(f, 1);
  const { rows } = await db.query(
    `SELECT write_seq::text AS seq, record::text AS line FROM mbm_records WHERE ${w.sql} ORDER BY write_seq DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
    w.params,
  );
  const total = await storeCount(db, f);
  return { ...parseRows(rows.reverse(), -1n), more: false, total };
}
