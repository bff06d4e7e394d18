// `npm run bench:export`: CSV export of a 1M-record log, `mbm export` side by side with Miller,
// jq, DuckDB (read_json → COPY csv, bench/duckdb-export.mjs) and the floor (a bare read +
// JSON.parse loop, bench/floor.mjs). Not a test: it prints
// medians, ratios against the goals, and our peak RSS.
//
//   BENCH_RECORDS=1000000  BENCH_ROUNDS=3  node bench/export.mjs
//   BENCH_CLI=path/to/other/cli.js  compares another build of mbm (e.g. with a change to try)
//   BENCH_CONTENDERS=mbm,duckdb  time only these (still alternately), e.g. when mlr's minutes
//                                per round do not fit
//   BENCH_QUICK=1  20,000 records, 2 rounds, nothing recorded (smoke run)
//
// The log is generated once (deterministic, bench/gen-log.mjs) and cached in .bench-data/.
// The machine may be shared: the load average is printed so a noisy run can be recognised.
// A dated row goes to bench/RESULTS.md (bench/results.mjs), with BENCH_CLI's path when one is given.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLog } from './gen-log.mjs';
import { appendResult, median, QUICK } from './results.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.join(root, '.bench-data');
const RECORDS = Number(process.env.BENCH_RECORDS ?? (QUICK ? 20_000 : 1_000_000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 2 : 3));
const COLUMNS = 'block_number,reason,severity,expected_timestamp,actual_timestamp,recovery_attempts,recovered,missed_at';
const GOALS = { mlr: 8, jq: 5, floor: 1.5, rssMB: 150 };

mkdirSync(dataDir, { recursive: true });
const log = path.join(dataDir, `log-${RECORDS}-v1.jsonl`);
if (!existsSync(log)) {
  process.stderr.write(`generating ${RECORDS} records into ${path.relative(root, log)}...\n`);
  await writeLog(log, RECORDS);
}
const cli = path.resolve(process.env.BENCH_CLI ?? path.join(root, 'dist', 'cli.js'));
if (!existsSync(cli)) {
  process.stderr.write(`${cli} is missing: run \`npm run build\` first (npm run bench:export does)\n`);
  process.exit(2);
}
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
/** DuckDB is a devDependency for this benchmark only: without it the anchor is left out. */
function hasDuckdb() {
  return spawnSync(process.execPath, ['-e', "require.resolve('@duckdb/node-api')"], { cwd: root }).status === 0;
}
const out = (name) => path.join(dataDir, `out-${name}.csv`);
const rssFile = path.join(dataDir, 'rss.txt');

/** Contenders: argv and where stdout goes (a file, like a real export). */
const contenders = [
  { name: 'mbm', argv: [process.execPath, '--require', path.join(root, 'bench', 'rss-probe.cjs'), cli, 'export', '--format', 'csv', '--output', out('mbm'), log] },
  { name: 'floor', argv: [process.execPath, path.join(root, 'bench', 'floor.mjs'), log] },
  hasDuckdb() && { name: 'duckdb', argv: [process.execPath, path.join(root, 'bench', 'duckdb-export.mjs'), log, out('duckdb')] },
  has('mlr') && {
    name: 'mlr',
    argv: ['mlr', '--ijsonl', '--ocsv', 'rename', 'timestamp,missed_at', 'then', 'cut', '-o', '-f', COLUMNS, log],
    stdout: out('mlr'),
  },
  has('jq') && {
    name: 'jq',
    argv: ['jq', '-r', '[.block_number,.reason,.severity,.expected_timestamp,.actual_timestamp,.recovery_attempts,.recovered,.timestamp] | @csv', log],
    stdout: out('jq'),
  },
].filter(Boolean).filter((c) => !process.env.BENCH_CONTENDERS || process.env.BENCH_CONTENDERS.split(',').includes(c.name));

// CPU time (user + system, all threads) as well as wall time: on a shared machine wall time
// swings with other people's load, CPU time much less. GNU time reports it when installed.
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const timeFile = path.join(dataDir, 'time.txt');

function run(c) {
  let argv = c.stdout ? ['sh', '-c', `"$0" "$@" > '${c.stdout}'`, ...c.argv] : c.argv;
  if (timeBin) argv = [timeBin, '-o', timeFile, '-f', '%U %S %M', ...argv];
  rmSync(rssFile, { force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { env: { ...process.env, RSS_PROBE_FILE: rssFile }, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr}`);
  let cpuMs;
  let rssKB = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) : undefined;
  if (timeBin) {
    const [u, sys, maxKB] = readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-3).map(Number);
    cpuMs = (u + sys) * 1000;
    rssKB ??= maxKB;
  }
  return { ms, cpuMs, rssKB };
}

const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;

process.stderr.write(`log: ${path.relative(root, log)} (${(statSync(log).size / 1048576).toFixed(0)} MB, ${RECORDS} records); ${ROUNDS} rounds; load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
const times = Object.fromEntries(contenders.map((c) => [c.name, []]));
const cpu = Object.fromEntries(contenders.map((c) => [c.name, []]));
const rss = [];
for (let round = 1; round <= ROUNDS; round++) {
  // Interleaved rounds, so a burst of load elsewhere hits every contender alike.
  for (const c of contenders) {
    const r = run(c);
    times[c.name].push(r.ms);
    if (r.cpuMs !== undefined) cpu[c.name].push(r.cpuMs);
    if (c.name === 'mbm' && r.rssKB) rss.push(r.rssKB / 1024);
    process.stderr.write(`  round ${round} ${c.name.padEnd(6)} ${fmt(r.ms)}${r.cpuMs !== undefined ? ` (cpu ${fmt(r.cpuMs)})` : ''}\n`);
  }
}

const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
const medCpu = Object.fromEntries(Object.entries(cpu).filter(([, v]) => v.length).map(([k, v]) => [k, median(v)]));
const lines = (f) => (existsSync(f) ? Number(spawnSync('wc', ['-l', f]).stdout.toString().trim().split(/\s+/)[0]) : undefined);
console.log(`\nCSV export of ${RECORDS} records (median of ${ROUNDS}; load now ${loadavg()[0].toFixed(1)})`);
for (const [name, ms] of Object.entries(med)) {
  const c = medCpu[name] !== undefined ? `  cpu ${fmt(medCpu[name])}` : '';
  console.log(`  ${name.padEnd(6)} wall ${fmt(ms)}${c}${name !== 'floor' ? `  (${lines(out(name)) ?? '?'} CSV lines)` : ''}`);
}
const verdict = (ok) => (ok ? 'ok' : 'MISSED');
const ratio = (label, a, b, goal, atLeast) => {
  const parts = [['wall', med], ['cpu', medCpu]]
    .filter(([, m]) => m[a] !== undefined && m[b] !== undefined)
    .map(([kind, m]) => {
      const r = m[a] / m[b];
      return `${kind} ${r.toFixed(2)}× ${verdict(atLeast ? r >= goal : r <= goal)}`;
    });
  if (parts.length) console.log(`  ${label.padEnd(11)} ${parts.join(', ')}  (goal ${atLeast ? '≥' : '≤'} ${goal}×)`);
  if (med[a] === undefined || med[b] === undefined) return undefined;
  const r = med[a] / med[b];
  return { label, missed: !(atLeast ? r >= goal : r <= goal) };
};
const ratios = [
  ratio('mlr / mbm', 'mlr', 'mbm', GOALS.mlr, true),
  ratio('jq / mbm', 'jq', 'mbm', GOALS.jq, true),
  ratio('mbm / floor', 'mbm', 'floor', GOALS.floor, false),
];
// DuckDB has no goal: it is the yardstick an analyst would use, reported as it is.
if (med.duckdb !== undefined) {
  const c = medCpu.duckdb !== undefined && medCpu.mbm !== undefined ? `, cpu ${(medCpu.duckdb / medCpu.mbm).toFixed(2)}×` : '';
  console.log(`  ${'duckdb / mbm'.padEnd(11)} wall ${(med.duckdb / med.mbm).toFixed(2)}×${c}  (DuckDB read_json → COPY csv; below 1× it is faster than mbm)`);
}
const peak = rss.length ? Math.max(...rss) : undefined;
if (peak !== undefined) console.log(`  mbm peak RSS ${peak.toFixed(0)} MB  (goal < ${GOALS.rssMB} MB: ${verdict(peak < GOALS.rssMB)})`);
console.log('  (mbm validates every line against the schema and collapses rewritten records; mlr, jq and the floor do neither)');

const secs = (name) => (med[name] !== undefined ? (med[name] / 1000).toFixed(2) : '—');
const wallRatio = (a, b) => (med[a] !== undefined && med[b] !== undefined ? `${(med[a] / med[b]).toFixed(2)}×` : '—');
const missed = ratios.filter((r) => r?.missed).map((r) => r.label);
if (peak !== undefined && peak >= GOALS.rssMB) missed.push('RSS');
appendResult({
  bench: 'export',
  title: `CSV export of a generated log: \`mbm export\` vs Miller, jq and the JSON.parse floor (\`bench/export.mjs\`). Goals: mlr/mbm ≥ ${GOALS.mlr}×, jq/mbm ≥ ${GOALS.jq}×, mbm/floor ≤ ${GOALS.floor}×, peak RSS < ${GOALS.rssMB} MB.`,
  note: '**mbm/floor/mlr/jq/duckdb s**: median wall time; ratios are of wall times (the printed output also gives CPU-time ratios); **cli**: the mbm build measured (BENCH_CLI) when not dist/cli.js; **goals missed**: by wall time.',
  row: {
    records: RECORDS,
    rounds: ROUNDS,
    'mbm s': secs('mbm'),
    'floor s': secs('floor'),
    'mlr s': secs('mlr'),
    'jq s': secs('jq'),
    'mbm/floor': wallRatio('mbm', 'floor'),
    'mlr/mbm': wallRatio('mlr', 'mbm'),
    'jq/mbm': wallRatio('jq', 'mbm'),
    'duckdb s': secs('duckdb'),
    'duckdb/mbm': wallRatio('duckdb', 'mbm'),
    'RSS MB': peak !== undefined ? peak.toFixed(0) : '—',
    cli: process.env.BENCH_CLI ? path.relative(root, cli) : 'dist/cli.js',
    'goals missed': missed.length ? missed.join(', ') : 'none',
  },
});
