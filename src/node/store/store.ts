// Reading the shared store: records in export order (streamed in pages, memory stays bounded),
// the report from SQL aggregates (rollup and streak tables the triggers keep, plus index
// lookups: no scan of the records), and the list of monitors (source, chain) in it.
import type { ClientBase } from 'pg';
import { parseLogLine } from '../log/validate';
import { ValueLostTally } from '../../core/payloads';
import { ProposerTally } from '../../core/proposers';
import { isStreakOpen } from '../../core/streaks';
import { MISSED_BLOCK_KINDS, MISSED_BLOCK_REASONS, MISSED_BLOCK_SEVERITIES, type MissedBlock } from '../../core/model';
import type { Report, ReportStreak } from '../../core/report';
import { NO_CHAIN, NO_SOURCE } from './rows';

/** Anything that runs a query: a pg Client, a PoolClient or a Pool. */
export type Queryable = Pick<ClientBase, 'query'>;

/** Which monitors: exact source labels and/or chain ids (empty or absent: all). */
export interface StoreFilter {
  source?: readonly string[];
  chainId?: readonly number[];
}

/** One monitor in the store, as its records name it (null: the records carry no source / chain id). */
export interface StoreSource {
  source: string | null;
  chain_id: number | null;
}

const n = (v: unknown): number => Number(v);
export const sourceOut = (s: string): string | null => (s === NO_SOURCE ? null : s);
export const chainOut = (c: unknown): number | null => (Number(c) === NO_CHAIN ? null : Number(c));

/** SQL conditions for a filter, numbered from `first`. */
export function where(f: StoreFilter, first: number): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.source?.length) {
    params.push([...f.source]);
    parts.push(`source = ANY($${first + params.length - 1}::text[])`);
  }
  if (f.chainId?.length) {
    params.push([...f.chainId]);
    parts.push(`chain_id = ANY($${first + params.length - 1}::bigint[])`);
  }
  return { sql: parts.length ? parts.join(' AND ') : 'true', params };
}

/** The monitors (source, chain) with records, in export order. */
export async function storeSources(db: Queryable, f: StoreFilter = {}): Promise<StoreSource[]> {
  const w = where(f, 1);
  const { rows } = await db.query(`SELECT DISTINCT source, chain_id FROM mbm_rollup WHERE ${w.sql} ORDER BY source, chain_id`, w.params);
  return rows.map((r) => ({ source: sourceOut(r.source), chain_id: chainOut(r.chain_id) }));
}

type Pair = { source: string; chain_id: number };
type RangedPair = Pair & { lo?: number; hi?: number };

async function pairsOf(db: Queryable, f: StoreFilter): Promise<Pair[]> {
  const w = where(f, 1);
  const { rows } = await db.query(`SELECT DISTINCT source, chain_id FROM mbm_rollup WHERE ${w.sql} ORDER BY source, chain_id`, w.params);
  return rows.map((r) => ({ source: r.source as string, chain_id: n(r.chain_id) }));
}

export interface RecordPageOptions {
  /** Rows per query. Default 5 000. */
  pageSize?: number;
  /** Inclusive block range, applied in SQL. */
  from?: number;
  to?: number;
  /** A record that does not parse as a valid log line (someone wrote the table by hand). */
  onBadRow?(message: string): void;
}

/**
 * Every record of the matching monitors, in export order: by source, then chain id, then the
 * order their log wrote them (a rewritten record where it was last written, as the file export
 * collapses). Each source's part equals `mbm export` of that monitor's log. Pages by keyset, so
 * memory stays bounded however large the table.
 */
export async function* storeRecordBatches(db: Queryable, f: StoreFilter = {}, o: RecordPageOptions = {}): AsyncGenerator<MissedBlock[]> {
  const pageSize = o.pageSize ?? 5_000;
  const w = where(f, 4);
  const extra: string[] = [];
  const params: unknown[] = [...w.params];
  if (o.from !== undefined) {
    params.push(o.from);
    extra.push(`block_number >= $${3 + params.length}`);
  }
  if (o.to !== undefined) {
    params.push(o.to);
    extra.push(`block_number <= $${3 + params.length}`);
  }
  const cond = [w.sql, ...extra].join(' AND ');
  let after: [string, number, string] | undefined;
  for (;;) {
    const { rows } = await db.query(
      `SELECT source, chain_id, first_seq, record::text AS line FROM mbm_records
        WHERE ($1::text IS NULL OR (source, chain_id, first_seq) > ($1::text, $2::bigint, $3::bigint)) AND ${cond}
        ORDER BY source, chain_id, first_seq LIMIT ${pageSize}`,
      [after?.[0] ?? null, after?.[1] ?? null, after?.[2] ?? null, ...params],
    );
    if (rows.length === 0) return;
    const batch: MissedBlock[] = [];
    for (const row of rows) {
      const p = parseLogLine(row.line as string);
      if (p.ok) batch.push(p.record);
      else o.onBadRow?.(`${row.source} chain ${row.chain_id} seq ${row.first_seq}: ${p.message}`);
    }
    const last = rows[rows.length - 1];
    after = [last.source as string, n(last.chain_id), String(last.first_seq)];
    if (batch.length) yield batch;
    if (rows.length < pageSize) return;
  }
}

function zeros(names: readonly string[]): Record<string, number> {
  const m: Record<string, number> = Object.create(null);
  for (const k of names) m[k] = 0;
  return m;
}

interface IslandRow {
  from_block: unknown;
  to_block: unknown;
  length: unknown;
  started_at: unknown;
  ended_at: unknown;
  recovered: unknown;
}

const toStreak = (r: IslandRow): ReportStreak => ({
  from_block: n(r.from_block),
  to_block: n(r.to_block),
  length: n(r.length),
  started_at: n(r.started_at),
  ended_at: n(r.ended_at),
  recovered: n(r.recovered),
});

const ISLAND_COLS = 'from_block, to_block, length, started_at, ended_at, recovered';

type Streaks = { top: ReportStreak[]; last?: ReportStreak };

/** Monitors grouped by block ranges that overlap or touch: streaks can only merge within a group. */
function touching(pairs: readonly Required<RangedPair>[]): Required<RangedPair>[][] {
  const sorted = [...pairs].sort((a, b) => a.lo - b.lo);
  const groups: Required<RangedPair>[][] = [];
  let hi = -Infinity;
  for (const p of sorted) {
    if (groups.length && p.lo <= hi + 1) groups[groups.length - 1].push(p);
    else groups.push([p]);
    hi = Math.max(hi, p.hi);
  }
  return groups;
}

/** A scope the triggers keep (everything, one chain, one monitor): two index lookups. */
async function scopeStreaks(db: Queryable, scope: [string, string, number], top: number): Promise<Streaks> {
  const cond = 'scope = $1 AND source = $2 AND chain_id = $3';
  const t = await db.query(`SELECT ${ISLAND_COLS} FROM mbm_islands WHERE ${cond} ORDER BY length DESC, from_block LIMIT ${top}`, scope);
  const l = await db.query(`SELECT ${ISLAND_COLS} FROM mbm_islands WHERE ${cond} ORDER BY to_block DESC LIMIT 1`, scope);
  return { top: t.rows.map(toStreak), last: l.rows[0] ? toStreak(l.rows[0]) : undefined };
}

/** Monitors whose streaks may touch and no kept scope covers: merged in the query (reads each one's streaks). */
async function mergedStreaks(db: Queryable, pairs: readonly Pair[], top: number): Promise<Streaks> {
  const { rows } = await db.query(
    `WITH i AS (
       SELECT ${ISLAND_COLS} FROM mbm_islands
        WHERE scope = 'pair' AND (source, chain_id) IN (SELECT * FROM unnest($1::text[], $2::bigint[]))),
     o AS (SELECT *, max(to_block) OVER (ORDER BY from_block ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_to FROM i),
     g AS (SELECT *, count(*) FILTER (WHERE prev_to IS NULL OR from_block > prev_to + 1) OVER (ORDER BY from_block ROWS UNBOUNDED PRECEDING) AS grp FROM o),
     m AS (SELECT min(from_block) AS from_block, max(to_block) AS to_block, sum(length) AS length, min(started_at) AS started_at,
                  max(ended_at) AS ended_at, sum(recovered) AS recovered FROM g GROUP BY grp)
     (SELECT 'top' AS what, * FROM m ORDER BY length DESC, from_block LIMIT ${top})
     UNION ALL (SELECT 'last', * FROM m ORDER BY from_block DESC LIMIT 1)`,
    [pairs.map((p) => p.source), pairs.map((p) => p.chain_id)],
  );
  const lastRow = rows.find((r) => r.what === 'last');
  return { top: rows.filter((r) => r.what === 'top').map(toStreak), last: lastRow ? toStreak(lastRow) : undefined };
}

/**
 * Longest streaks (longest first, ties: earliest) and the last one, of the matching monitors.
 * Monitors whose block ranges are apart cannot share a streak, so each group of touching ones is
 * answered on its own — from a kept scope when one covers it exactly (one monitor, every monitor
 * of a chain, everything), else merged in the query — and the groups' answers are combined.
 */
async function streaksOf(db: Queryable, pairs: RangedPair[], every: Pair[], top: number): Promise<Streaks> {
  if (pairs.length === 0) return { top: [] };
  if (pairs.length === every.length) return scopeStreaks(db, ['all', NO_SOURCE, NO_CHAIN], top);
  const ranged = pairs.filter((p): p is Required<RangedPair> => p.lo !== undefined && p.hi !== undefined);
  const tops: ReportStreak[] = [];
  let last: ReportStreak | undefined;
  let lastHi = -Infinity;
  for (const group of touching(ranged)) {
    const chains = new Set(group.map((p) => p.chain_id));
    let s: Streaks;
    if (group.length === 1) s = await scopeStreaks(db, ['pair', group[0].source, group[0].chain_id], top);
    else if (chains.size === 1 && group.length === every.filter((p) => chains.has(p.chain_id)).length) s = await scopeStreaks(db, ['chain', NO_SOURCE, group[0].chain_id], top);
    else s = await mergedStreaks(db, group, top);
    tops.push(...s.top);
    const hi = Math.max(...group.map((p) => p.hi));
    if (hi > lastHi) {
      lastHi = hi;
      last = s.last;
    }
  }
  tops.sort((a, b) => b.length - a.length || a.from_block - b.from_block);
  return { top: tops.slice(0, top), last };
}

/**
 * The report (same object, same numbers as buildReport over the same records) from SQL
 * aggregates: the trigger-kept rollup and streak tables plus index lookups per monitor, so its
 * cost does not grow with the number of records.
 */
export async function storeReport(db: Queryable, f: StoreFilter = {}, opts: { topStreaks?: number } = {}): Promise<Report> {
  const pairs = await pairsOf(db, f);
  const ranged: RangedPair[] = pairs.map((p) => ({ ...p }));
  const every = f.source?.length || f.chainId?.length ? await pairsOf(db, {}) : pairs;
  const w = where(f, 1);
  const counts = await db.query(
    `SELECT reason, severity, kind, recovered, sum(n) AS n, sum(ms_sum) AS ms_sum, sum(ms_n) AS ms_n
       FROM mbm_rollup WHERE ${w.sql} GROUP BY 1, 2, 3, 4`,
    w.params,
  );
  const byReason = zeros(MISSED_BLOCK_REASONS);
  const bySeverity = zeros(MISSED_BLOCK_SEVERITIES);
  const byKind = zeros(MISSED_BLOCK_KINDS);
  let total = 0;
  let recovered = 0;
  let msSum = 0;
  let msN = 0;
  for (const r of [...counts.rows].sort((a, b) => String(a.reason).localeCompare(String(b.reason)))) {
    const k = n(r.n);
    if (k === 0) continue;
    total += k;
    if (r.recovered) recovered += k;
    byReason[r.reason] = (byReason[r.reason] ?? 0) + k;
    bySeverity[r.severity] = (bySeverity[r.severity] ?? 0) + k;
    byKind[r.kind] = (byKind[r.kind] ?? 0) + k;
    msSum += n(r.ms_sum);
    msN += n(r.ms_n);
  }
  let firstBlock = Infinity;
  let lastBlock = -Infinity;
  let firstTs = Infinity;
  let lastTs = -Infinity;
  if (pairs.length > 0) {
    // Per monitor, each bound is one index lookup (the key index and (source, chain_id, ts)).
    const { rows } = await db.query(
      `SELECT p.source, p.chain_id, b.lo, b.hi, t.first, t.last
         FROM unnest($1::text[], $2::bigint[]) AS p(source, chain_id),
         LATERAL (SELECT min(block_number) AS lo, max(block_number) AS hi FROM mbm_records r WHERE r.source = p.source AND r.chain_id = p.chain_id) b,
         LATERAL (SELECT min(ts) AS first, max(ts) AS last FROM mbm_records r WHERE r.source = p.source AND r.chain_id = p.chain_id) t`,
      [pairs.map((p) => p.source), pairs.map((p) => p.chain_id)],
    );
    for (const r of rows) {
      if (r.lo === null) continue;
      const pair = ranged.find((p) => p.source === r.source && p.chain_id === n(r.chain_id));
      if (pair) Object.assign(pair, { lo: n(r.lo), hi: n(r.hi) });
      firstBlock = Math.min(firstBlock, n(r.lo));
      lastBlock = Math.max(lastBlock, n(r.hi));
      firstTs = Math.min(firstTs, n(r.first));
      lastTs = Math.max(lastTs, n(r.last));
    }
  }
  const streaks = await streaksOf(db, ranged, every, opts.topStreaks ?? 10);
  const last = streaks.last;
  // The head of the monitors the last streak is on (their records reach its last block): another chain's
  // higher numbers say nothing about it.
  const onLast = last ? ranged.filter((p) => p.lo !== undefined && p.hi !== undefined && p.lo <= last.to_block && last.to_block <= p.hi) : [];
  const head = last ? await storeHead(db, onLast.length > 0 ? onLast : pairs) : undefined;
  // Value lost from the one tally (core/payloads.ts). Missed payloads are rare: the rows are read only when the rollup has some.
  const lost = new ValueLostTally();
  if ((byKind.payload_missed ?? 0) > 0) {
    const p = await db.query(
      `SELECT (record->>'beacon_slot')::bigint AS beacon_slot, record->>'relay' AS relay, record->>'payload_value_wei' AS wei, record->>'block_hash' AS block_hash
         FROM mbm_records WHERE ${w.sql} AND kind = 'payload_missed'`,
      w.params,
    );
    for (const r of p.rows) lost.add({ kind: 'payload_missed', beacon_slot: r.beacon_slot === null ? undefined : n(r.beacon_slot), relay: r.relay ?? undefined, payload_value_wei: r.wei ?? undefined, block_hash: r.block_hash ?? undefined });
  }
  // Missed slots per proposer from the one tally (core/proposers.ts): the beacon node's missed slots only (a partial index).
  const proposers = new ProposerTally();
  if ((byKind.missed_slot ?? 0) > 0) {
    const p = await db.query(
      `SELECT source, block_number, slot, (record->>'beacon_slot')::bigint AS beacon_slot, (record->>'proposer_index')::bigint AS proposer_index,
              record->>'proposer_pubkey' AS proposer_pubkey, record->'metadata'->>'proposer_watched' AS watched
         FROM mbm_records WHERE ${w.sql} AND kind = 'missed_slot' AND (record->>'beacon_slot') IS NOT NULL`,
      w.params,
    );
    for (const r of p.rows) {
      proposers.add({
        kind: 'missed_slot',
        source: r.source,
        block_number: n(r.block_number),
        slot: n(r.slot),
        beacon_slot: n(r.beacon_slot),
        ...(r.proposer_index !== null ? { proposer_index: n(r.proposer_index) } : {}),
        ...(r.proposer_pubkey !== null ? { proposer_pubkey: r.proposer_pubkey } : {}),
        metadata: { proposer_watched: r.watched === 'true' },
      });
    }
  }
  const any = total > 0;
  return {
    total_missed: total,
    recovered,
    recovery_rate: any ? Math.round((recovered / total) * 10000) / 100 : 0,
    // computeStreaks' rule (as the live monitor and the file views): by the monitors' head when the store has it.
    current_streak: last && isStreakOpen({ toBlock: last.to_block, length: last.length, recovered: last.recovered }, head) ? last.length : 0,
    longest_streak: streaks.top[0]?.length ?? 0,
    by_reason: { ...byReason },
    by_severity: { ...bySeverity },
    by_kind: { ...byKind },
    first_block: any ? firstBlock : null,
    last_block: any ? lastBlock : null,
    first_timestamp: any ? firstTs : null,
    last_timestamp: any ? lastTs : null,
    avg_recovery_ms: msN ? Math.round(msSum / msN) : null,
    streaks: streaks.top,
    value_lost: lost.summary(),
    missed_slots_by_proposer: proposers.summary(),
  };
}

/**
 * The newest head (mbm_heads, which the monitors' sinks upsert) of the matching monitors; a monitor
 * without a head of its own (records of a beacon node beside an RPC endpoint) takes its chain's.
 */
export async function storeHead(db: Queryable, pairs: readonly Pair[]): Promise<number | undefined> {
  if (pairs.length === 0) return undefined;
  const { rows } = await db.query(
    `SELECT max(head) AS head FROM mbm_heads
      WHERE (source, chain_id) IN (SELECT * FROM unnest($1::text[], $2::bigint[]))
         OR (chain_id = ANY($2::bigint[]) AND chain_id <> ${NO_CHAIN})`,
    [pairs.map((p) => p.source), pairs.map((p) => p.chain_id)],
  );
  const h = rows[0]?.head;
  return h === null || h === undefined ? undefined : n(h);
}

/** Each monitor's head as its sink last stored it (mbm_heads), as the records name the monitor. */
export async function storeHeads(db: Queryable): Promise<(StoreSource & { head: number })[]> {
  const { rows } = await db.query('SELECT source, chain_id, head FROM mbm_heads ORDER BY source, chain_id');
  return rows.map((r) => ({ source: sourceOut(r.source), chain_id: chainOut(r.chain_id), head: n(r.head) }));
}

/** Rows in the store (all monitors); cheap (the rollup). */
export async function storeCount(db: Queryable, f: StoreFilter = {}): Promise<number> {
  const w = where(f, 1);
  const { rows } = await db.query(`SELECT coalesce(sum(n), 0) AS n FROM mbm_rollup WHERE ${w.sql}`, w.params);
  return n(rows[0].n);
}
