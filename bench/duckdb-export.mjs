// The DuckDB anchor for bench/export.mjs: what an analyst would reach for — read_json of the log,
// COPY the same columns to CSV. Run as its own process so it is timed like the other contenders.
//
//   node bench/duckdb-export.mjs LOG OUT.csv
//
// `@duckdb/node-api` is a devDependency for this benchmark only (its native library comes inside
// the npm package @duckdb/node-bindings-linux-x64; nothing is downloaded).
import { DuckDBInstance } from '@duckdb/node-api';

const [log, out] = process.argv.slice(2);
if (!log || !out) {
  process.stderr.write('usage: node bench/duckdb-export.mjs LOG OUT.csv\n');
  process.exit(2);
}
const q = (s) => `'${s.replaceAll("'", "''")}'`;
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(
  `COPY (SELECT block_number, reason, severity, expected_timestamp, actual_timestamp, recovery_attempts, recovered, "timestamp" AS missed_at
         FROM read_json(${q(log)}, format = 'newline_delimited'))
   TO ${q(out)} (FORMAT csv, HEADER true)`,
);
c.closeSync();
db.closeSync();
