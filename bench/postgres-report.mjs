// `mbm report --from-postgres` over a large shared store: a generated table of 10M records
// (10 monitors: 5 chains × 2 sources, 1M each, streaky block numbers), then the report's SQL
// path timed (medians) for all monitors, one source, one chain (two monitors), two sources of
// two chains, and the fleet summary; a plain
// GROUP BY over the records is timed next to it, to show what the rollup and streak tables save.
// Not a test: it prints timings.
//
//   node --import tsx bench/postgres-report.mjs
//   BENCH_PG_ROWS=10000000  total records (default 10M; BENCH_QUICK=1: 200k)
//   BENCH_ROUNDS=5          runs per timing
//   BENCH_PG_CLEAN=1        regenerate even if a cached data directory exists
//   BENCH_VERIFY=1          also check the SQL report equals the JS report of every record
//                           (default on up to 1M rows; the JS side holds every record's streak input)
//
// The server is a throwaway one (test/helpers/postgres.ts: initdb, 127.0.0.1, fsync off, run as
// the `postgres` user when root). Its data directory is kept in the temp dir, keyed by the row
// count and schema version, so a second run skips the generation (minutes for 10M rows).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort } from '../test/helpers/anvil.ts';
import { PgServer } from '../test/helpers/postgres.ts';
import { migrate, SCHEMA_VERSION } from '../src/node/store/schema.ts';
import { storeRecordBatches, storeReport } from '../src/node/store/store.ts';
import { buildReportAsync } from '../src/core/report.ts';
import { isDeepStrictEqual } from 'node:util';
import { fleetSummary } from '../src/node/store/fleet.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const QUICK = process.env.BENCH_QUICK === '1';
const ROWS = Number(process.env.BENCH_PG_ROWS ?? (QUICK ? 200_000 : 10_000_000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 5));
const CHAINS = 5;
const PER_CHAIN = 2;
const MONITORS = CHAINS * PER_CHAIN;
const PER_MONITOR = Math.floor(ROWS / MONITORS);

const dir = path.join(tmpdir(), `mbm-bench-pg-v${SCHEMA_VERSION}-${ROWS}`);
if (process.env.BENCH_PG_CLEAN === '1') rmSync(dir, { recursive: true, force: true });
const fresh = !existsSync(path.join(dir, 'data', 'PG_VERSION'));
if (fresh) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
}
const server = new PgServer(await freePort(), dir);
if (fresh) server.init();
await server.start(60_000);
const url = server.url();
const client = new pg.Client({ connectionString: url });
await client.connect();

const seconds = (ms) => `${(ms / 1000).toFixed(3)} s`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  await migrate(client);
  const have = Number((await client.query('SELECT coalesce(sum(n), 0) AS n FROM mbm_rollup')).rows[0].n);
  if (have !== PER_MONITOR * MONITORS) {
    if (have !== 0) throw new Error(`the cached store holds ${have} records, not ${PER_MONITOR * MONITORS}: run with BENCH_PG_CLEAN=1`);
    process.stderr.write(`generating ${PER_MONITOR * MONITORS} records (${MONITORS} monitors × ${PER_MONITOR}) in ${dir}...\n`);
    const t0 = performance.now();
    for (let c = 0; c < CHAINS; c++) {
      for (let s = 0; s < PER_CHAIN; s++) {
        const t = performance.now();
        // Runs of up to 7 consecutive blocks, then a gap; every kind, reason and severity; 4 in 5 recovered.
        await client.query(
          `WITH g AS (
             SELECT i, $1::bigint + i + (i / 7) * 3 + (i / 13) AS block, $2::text AS source, $3::bigint AS chain_id,
                    (ARRAY['gap','delayed','missed_slot','reorg'])[1 + i % 4] AS kind,
                    (ARRAY['NetworkLatency','NodeUnresponsive','RpcError','InvalidBlock','ChainReorg','GasLimitExceeded','NonceMismatch',
                           'InsufficientFunds','ContractRevert','Timeout','ConnectionLost','RateLimitExceeded','Unknown'])[1 + (i * 7) % 13] AS reason,
                    (ARRAY['Low','Medium','High','Critical'])[1 + (i * 3) % 4] AS severity,
                    i % 5 <> 0 AS recovered
               FROM generate_series(0, $4::bigint - 1) AS i),
           r AS (SELECT *, 1700000000 + block * 12 AS ts FROM g)
           INSERT INTO mbm_records (source, chain_id, block_number, kind, slot, reason, severity, ts, expected_ts, actual_ts,
                                    recovery_attempts, recovered, alert_sent, recovered_at, recovery_ms, streak, record, write_seq)
           SELECT source, chain_id, block, kind, CASE WHEN kind = 'missed_slot' THEN ts - 6 ELSE -1 END, reason, severity, ts, ts - 12, ts,
                  CASE WHEN recovered THEN 1 ELSE 0 END, recovered, false,
                  CASE WHEN recovered THEN ts + 3 END, CASE WHEN recovered THEN 1000 + i % 5000 END, NULL,
                  (jsonb_build_object('timestamp', ts, 'block_number', block, 'reason', reason, 'severity', severity,
                                     'expected_timestamp', ts - 12, 'actual_timestamp', ts, 'recovery_attempts', CASE WHEN recovered THEN 1 ELSE 0 END,
                                     'recovered', recovered, 'metadata', json_build_object('detected_by', 'bench'), 'alert_sent', false,
                                     'kind', kind, 'chain_id', chain_id, 'source', source)
                   || CASE WHEN kind = 'missed_slot' THEN jsonb_build_object('slot', ts - 6) ELSE '{}' END
                   || CASE WHEN recovered THEN jsonb_build_object('recovered_at', ts + 3, 'recovery_ms', 1000 + i % 5000) ELSE '{}' END)::json,
                  nextval('mbm_write_batch') * 10000
             FROM r`,
          [c * 50_000_000, `10.0.${c}.${s}:8545`, 1000 + c, PER_MONITOR],
        );
        process.stderr.write(`  monitor 10.0.${c}.${s}:8545 chain ${1000 + c}: ${seconds(performance.now() - t)}\n`);
      }
    }
    await client.query('VACUUM ANALYZE');
    process.stderr.write(`generated in ${seconds(performance.now() - t0)}\n`);
  }
  const size = (await client.query(`SELECT pg_size_pretty(pg_total_relation_size('mbm_records')) AS s`)).rows[0].s;

  const cases = [
    ['report, all monitors', () => storeReport(client)],
    ['report --source 10.0.0.0:8545', () => storeReport(client, { source: ['10.0.0.0:8545'] })],
    ['report --chain-id 1000 (2 monitors: per-chain streaks)', () => storeReport(client, { chainId: [1000] })],
    ['report --source A --source B (2 chains, apart)', () => storeReport(client, { source: ['10.0.0.0:8545', '10.0.1.0:8545'] })],
    ['fleet summary (10 monitors)', () => fleetSummary(client)],
    ['for comparison: GROUP BY over every record', () => client.query('SELECT reason, severity, kind, recovered, count(*) FROM mbm_records GROUP BY 1, 2, 3, 4')],
  ];
  const results = [];
  let report;
  for (const [name, fn] of cases) {
    const times = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t = performance.now();
      const r = await fn();
      times.push(performance.now() - t);
      if (name.startsWith('report, all')) report = r;
    }
    results.push([name, median(times)]);
  }
  console.log(`\nmbm report --from-postgres over ${report.total_missed.toLocaleString('en-US')} records (${size} with indexes), median of ${ROUNDS}; load ${loadavg()[0].toFixed(2)}`);
  for (const [name, ms] of results) console.log(`  ${name.padEnd(58)} ${seconds(ms).padStart(9)}`);
  console.log(`  (total ${report.total_missed}, longest streak ${report.longest_streak}, current ${report.current_streak}, avg recovery ${report.avg_recovery_ms} ms)`);

  if (process.env.BENCH_VERIFY === '1' || (process.env.BENCH_VERIFY !== '0' && ROWS <= 1_000_000)) {
    const t = performance.now();
    const js = await buildReportAsync(storeRecordBatches(client, {}, { pageSize: 20_000 }));
    const same = isDeepStrictEqual(js, report);
    console.log(`  JS report of every record (streamed): ${seconds(performance.now() - t)}; equal to the SQL report: ${same}`);
    if (!same) {
      for (const k of Object.keys(js)) if (!isDeepStrictEqual(js[k], report[k])) console.log(`    ${k}: JS ${JSON.stringify(js[k])} SQL ${JSON.stringify(report[k])}`);
      process.exitCode = 1;
    }
  }

  // The whole command as a user runs it (process start included), when the bundle is built.
  const cli = path.join(root, 'dist', 'cli.js');
  const newest = Math.max(...readdirSync(path.join(root, 'src/node/store')).map((f) => statSync(path.join(root, 'src/node/store', f)).mtimeMs));
  if (existsSync(cli) && statSync(cli).mtimeMs >= newest) {
    const times = [];
    for (let i = 0; i < Math.min(ROUNDS, 3); i++) {
      const t = performance.now();
      execFileSync(process.execPath, [cli, 'report', '--from-postgres', url, '--json'], { stdio: ['ignore', 'ignore', 'inherit'] });
      times.push(performance.now() - t);
    }
    console.log(`  ${'`node dist/cli.js report --from-postgres` (whole process)'.padEnd(58)} ${seconds(median(times)).padStart(9)}`);
  }
} finally {
  await client.end();
  await server.stop();
}
