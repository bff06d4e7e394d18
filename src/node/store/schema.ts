// The shared store's schema and its migration. migrate() runs on every start of a sink or a
// reader: idempotent, and serialized across processes by a session advisory lock, so two
// monitors starting at once against one database do not trip over each other.
//
// mbm_records  one row per record key (source, chain_id, block_number, kind, slot, relay), the last
//              version written; `record` is the exact log object (type json, not jsonb: json keeps
//              the text, so metadata key order and number spelling come back as written and a
//              JSON export equals the file's byte for byte). write_seq is when the row was last
//              written (views following the store read rows after a write_seq); first_seq (schema
//              v2) when it was first written: exports order by it, as a log's collapse keeps a
//              rewritten record at its first record's place. Rows from v1 keep their write_seq.
// mbm_rollup   counts per (source, chain, reason, severity, kind, recovered) and recovery-time sums,
//              kept by statement triggers: the report's numbers without scanning the records.
// mbm_islands  streaks (maximal runs of consecutive block numbers) per monitor (scope 'pair':
//              source, chain), per chain (scope 'chain': every source of it) and over everything
//              (scope 'all'), kept by the same triggers: recomputed only around the blocks a
//              statement touched.
// mbm_heads    (schema v4) the newest block each monitor processed, per (source, chain): what
//              "current streak" is judged by, as the file views judge it by the log's checkpoint.
import type { ClientBase } from 'pg';

export const SCHEMA_VERSION = 4;

/** pg_advisory_lock key for migrations (any constant would do; 'mbm' and a number). */
const MIGRATION_LOCK = 0x6d626d01;
/** pg_advisory_xact_lock key the triggers take: store maintenance is serialized across writers. */
export const MAINTENANCE_LOCK = 0x6d626d02;

/**
 * The streak recompute function; `only` narrows the records that make islands. V1 took every row;
 * V3 leaves chain_reset and payload_missed rows out (not missed blocks, as in the file report).
 */
function islandsRecompute(orReplace: '' | 'OR REPLACE ', only: string): string {
  return `CREATE ${orReplace}FUNCTION mbm_islands_recompute(p_scope text, p_source text, p_chain bigint, p_lo bigint, p_hi bigint) RETURNS void
LANGUAGE plpgsql AS $f$
DECLARE lo bigint; hi bigint;
BEGIN
  SELECT least(p_lo, min(from_block)), greatest(p_hi, max(to_block)) INTO lo, hi
    FROM mbm_islands
   WHERE scope = p_scope AND source = p_source AND chain_id = p_chain AND to_block >= p_lo - 1 AND from_block <= p_hi + 1;
  DELETE FROM mbm_islands
   WHERE scope = p_scope AND source = p_source AND chain_id = p_chain AND to_block >= p_lo - 1 AND from_block <= p_hi + 1;
  IF p_scope = 'all' THEN
    INSERT INTO mbm_islands
    SELECT 'all', '', -1, min(block_number), max(block_number), count(*), min(ts), max(ts), count(*) FILTER (WHERE recovered)
      FROM (SELECT block_number, ts, recovered, block_number - dense_rank() OVER (ORDER BY block_number) AS g
              FROM mbm_records WHERE block_number BETWEEN lo AND hi${only}) s
     GROUP BY g;
  ELSIF p_scope = 'chain' THEN
    INSERT INTO mbm_islands
    SELECT 'chain', '', p_chain, min(block_number), max(block_number), count(*), min(ts), max(ts), count(*) FILTER (WHERE recovered)
      FROM (SELECT block_number, ts, recovered, block_number - dense_rank() OVER (ORDER BY block_number) AS g
              FROM mbm_records WHERE chain_id = p_chain AND block_number BETWEEN lo AND hi${only}) s
     GROUP BY g;
  ELSE
    INSERT INTO mbm_islands
    SELECT 'pair', p_source, p_chain, min(block_number), max(block_number), count(*), min(ts), max(ts), count(*) FILTER (WHERE recovered)
      FROM (SELECT block_number, ts, recovered, block_number - dense_rank() OVER (ORDER BY block_number) AS g
              FROM mbm_records WHERE source = p_source AND chain_id = p_chain AND block_number BETWEEN lo AND hi${only}) s
     GROUP BY g;
  END IF;
END $f$;`;
}

const V1 = `
CREATE SEQUENCE mbm_write_batch;

CREATE TABLE mbm_records (
  source            text COLLATE "C" NOT NULL,          -- '' when the record names none
  chain_id          bigint NOT NULL,                    -- -1 when the record has none
  block_number      bigint NOT NULL,
  kind              text COLLATE "C" NOT NULL,          -- 'gap' when the record has none (as recordKey)
  slot              bigint NOT NULL,                    -- missed_slot: slot; payload_missed: beacon_slot; tx_missed: tx hash folded to 52 bits; reorg/chain_reset: replaced hash folded to 52 bits (rows.keySlot); else -1
  reason            text COLLATE "C" NOT NULL,
  severity          text COLLATE "C" NOT NULL,
  ts                double precision NOT NULL,          -- the record's timestamp (detection, unix s)
  expected_ts       double precision,
  actual_ts         double precision,
  recovery_attempts integer,
  recovered         boolean NOT NULL,
  alert_sent        boolean NOT NULL,
  recovered_at      double precision,
  recovery_ms       double precision,
  streak            integer,
  record            json NOT NULL,
  write_seq         bigint NOT NULL,
  stored_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, chain_id, block_number, kind, slot)
);
CREATE INDEX mbm_records_order ON mbm_records (source, chain_id, write_seq);
CREATE INDEX mbm_records_ts ON mbm_records (source, chain_id, ts);
CREATE INDEX mbm_records_block ON mbm_records (block_number);
CREATE INDEX mbm_records_chain_block ON mbm_records (chain_id, block_number);
CREATE INDEX mbm_records_seq ON mbm_records (write_seq);

CREATE TABLE mbm_rollup (
  source    text COLLATE "C" NOT NULL,
  chain_id  bigint NOT NULL,
  reason    text COLLATE "C" NOT NULL,
  severity  text COLLATE "C" NOT NULL,
  kind      text COLLATE "C" NOT NULL,
  recovered boolean NOT NULL,
  n         bigint NOT NULL,
  ms_sum    double precision NOT NULL,
  ms_n      bigint NOT NULL,
  PRIMARY KEY (source, chain_id, reason, severity, kind, recovered)
);

CREATE TABLE mbm_islands (
  scope      text COLLATE "C" NOT NULL CHECK (scope IN ('pair', 'chain', 'all')),
  source     text COLLATE "C" NOT NULL,
  chain_id   bigint NOT NULL,
  from_block bigint NOT NULL,
  to_block   bigint NOT NULL,
  length     bigint NOT NULL,
  started_at double precision NOT NULL,
  ended_at   double precision NOT NULL,
  recovered  bigint NOT NULL,
  PRIMARY KEY (scope, source, chain_id, from_block)
);
CREATE INDEX mbm_islands_longest ON mbm_islands (scope, source, chain_id, length DESC, from_block);
CREATE INDEX mbm_islands_to ON mbm_islands (scope, source, chain_id, to_block);

-- Recompute the streaks of one scope around [p_lo, p_hi]: the islands touching [p_lo-1, p_hi+1]
-- are replaced by the islands of the records in their union.
-- Scope keys: 'pair' (source, chain_id); 'chain' ('', chain_id); 'all' ('', -1).
${islandsRecompute('', '')}

CREATE FUNCTION mbm_after_write() RETURNS trigger
LANGUAGE plpgsql AS $f$
DECLARE p record;
BEGIN
  PERFORM pg_advisory_xact_lock(${MAINTENANCE_LOCK});
  IF TG_OP = 'UPDATE' THEN
    INSERT INTO mbm_rollup AS r
    SELECT source, chain_id, reason, severity, kind, recovered, -count(*),
           -coalesce(sum(ms) FILTER (WHERE ms >= 0), 0), -count(*) FILTER (WHERE ms >= 0)
      FROM (SELECT *, CASE WHEN recovered THEN coalesce(recovery_ms, (recovered_at - ts) * 1000) END AS ms FROM old_rows) s
     GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (source, chain_id, reason, severity, kind, recovered)
    DO UPDATE SET n = r.n + EXCLUDED.n, ms_sum = r.ms_sum + EXCLUDED.ms_sum, ms_n = r.ms_n + EXCLUDED.ms_n;
  END IF;
  INSERT INTO mbm_rollup AS r
  SELECT source, chain_id, reason, severity, kind, recovered, count(*),
         coalesce(sum(ms) FILTER (WHERE ms >= 0), 0), count(*) FILTER (WHERE ms >= 0)
    FROM (SELECT *, CASE WHEN recovered THEN coalesce(recovery_ms, (recovered_at - ts) * 1000) END AS ms FROM new_rows) s
   GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
  ON CONFLICT (source, chain_id, reason, severity, kind, recovered)
  DO UPDATE SET n = r.n + EXCLUDED.n, ms_sum = r.ms_sum + EXCLUDED.ms_sum, ms_n = r.ms_n + EXCLUDED.ms_n;
  DELETE FROM mbm_rollup WHERE n = 0;
  FOR p IN SELECT source, chain_id, min(block_number) AS lo, max(block_number) AS hi FROM new_rows GROUP BY 1, 2 LOOP
    PERFORM mbm_islands_recompute('pair', p.source, p.chain_id, p.lo, p.hi);
  END LOOP;
  FOR p IN SELECT chain_id, min(block_number) AS lo, max(block_number) AS hi FROM new_rows GROUP BY 1 LOOP
    PERFORM mbm_islands_recompute('chain', '', p.chain_id, p.lo, p.hi);
  END LOOP;
  FOR p IN SELECT min(block_number) AS lo, max(block_number) AS hi FROM new_rows HAVING count(*) > 0 LOOP
    PERFORM mbm_islands_recompute('all', '', -1, p.lo, p.hi);
  END LOOP;
  RETURN NULL;
END $f$;

CREATE TRIGGER mbm_records_inserted AFTER INSERT ON mbm_records
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mbm_after_write();
CREATE TRIGGER mbm_records_updated AFTER UPDATE ON mbm_records
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mbm_after_write();
`;

/** v2: first_seq, the export order (a rewritten record keeps the place of its first version). */
const V2 = `
ALTER TABLE mbm_records ADD COLUMN first_seq bigint;
ALTER TABLE mbm_records DISABLE TRIGGER mbm_records_updated;
UPDATE mbm_records SET first_seq = write_seq;
ALTER TABLE mbm_records ENABLE TRIGGER mbm_records_updated;
ALTER TABLE mbm_records ALTER COLUMN first_seq SET NOT NULL;
DROP INDEX mbm_records_order;
CREATE INDEX mbm_records_order ON mbm_records (source, chain_id, first_seq);
`;

/** V3: streaks (mbm_islands) leave chain_reset and payload_missed records out, as the file report does (neither is a hole in the chain). */
const V3 = `
${islandsRecompute('OR REPLACE ', " AND kind NOT IN ('chain_reset', 'payload_missed')")}
`;

/**
 * V4: the relay is part of the key, so two relays delivering a payload for one slot stay two
 * payload_missed rows (as recordKey keeps them two records); rows already stored get the relay
 * their record names. mbm_heads: each monitor's head, which the sink upserts. A partial index
 * finds the beacon node's missed slots (missed slots per proposer) without scanning the others.
 */
const V4 = `
ALTER TABLE mbm_records ADD COLUMN relay text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE mbm_records DISABLE TRIGGER mbm_records_updated;
UPDATE mbm_records SET relay = coalesce(record->>'relay', '') WHERE kind = 'payload_missed' AND record->>'relay' IS NOT NULL;
ALTER TABLE mbm_records ENABLE TRIGGER mbm_records_updated;
ALTER TABLE mbm_records DROP CONSTRAINT mbm_records_pkey;
ALTER TABLE mbm_records ADD PRIMARY KEY (source, chain_id, block_number, kind, slot, relay);
CREATE INDEX mbm_records_beacon_slots ON mbm_records (source, chain_id) WHERE kind = 'missed_slot' AND (record->>'beacon_slot') IS NOT NULL;

CREATE TABLE mbm_heads (
  source     text COLLATE "C" NOT NULL,
  chain_id   bigint NOT NULL,
  head       bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, chain_id)
);
`;

/** Migrations by the version they bring the schema to. */
const MIGRATIONS: readonly string[] = [V1, V2, V3, V4];

/**
 * Bring the schema to SCHEMA_VERSION. Safe to run from several processes at once (the first
 * migrates, the others wait on the lock and then find nothing to do); each step is one
 * transaction. Returns the versions applied.
 */
export async function migrate(client: ClientBase, target = SCHEMA_VERSION): Promise<number[]> {
  const applied: number[] = [];
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS mbm_schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM mbm_schema_version');
    const current = rows[0]?.v ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new Error(`the database's schema is version ${current}, newer than this mbm knows (${SCHEMA_VERSION}): upgrade mbm`);
    }
    for (let v = current + 1; v <= Math.min(target, SCHEMA_VERSION); v++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[v - 1]);
        await client.query('INSERT INTO mbm_schema_version (version) VALUES ($1)', [v]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      applied.push(v);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
  }
  return applied;
}
