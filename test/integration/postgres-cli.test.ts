// Many monitors, one store, the way operators run it: two `mbm watch` processes
// against two anvil nodes (other chain ids, so other sources) write into one real PostgreSQL
// server this file starts. The fleet report shows both; the database is killed mid-run and
// restarted, and afterwards the store holds exactly the logs' records (none lost, none doubled);
// `mbm export --from-postgres` equals the two logs' exports; `mbm serve --from-postgres` serves
// the same; config and flag errors name the key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCheckpoint } from '../../src/node/checkpoint';
import { recordKey, toLogLine, type MissedBlock } from '../../src/core/model';
import { buildReport } from '../../src/core/report';
import { freePort, startAnvil, stopAllAnvils, type Anvil } from '../helpers/anvil';
import { cliArgs, ROOT, spawnMbm, type MbmChild } from '../helpers/cli';
import { postgresAvailable, startPostgres, stopAllPostgres, type PgServer } from '../helpers/postgres';
import { latestBlock, mineAt, readLog } from '../helpers/service';
import { waitFor } from '../helpers/wait';

const dirs: string[] = [];
const children = new Set<ChildProcess>();
let pg: PgServer;
// .ci/run installs Debian's postgresql; elsewhere without it these tests are skipped, saying why.
const noPostgres = postgresAvailable() ? false : 'PostgreSQL server binaries not installed (apt-get install postgresql)';
before(async () => {
  if (!noPostgres) pg = await startPostgres();
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await stopAllAnvils();
  await stopAllPostgres();
});

/** The child's environment: ours without a store URL of our own, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  if (!('MBM_POSTGRES_URL' in env)) delete e.MBM_POSTGRES_URL;
  return e;
}

type Cli = MbmChild;

function mbm(args: string[], env: Record<string, string> = {}): Cli {
  return spawnMbm(args, { env: childEnv(env), running: children });
}

/** Run to the end (bounded); stdout, stderr and the exit code. */
function run(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [...cliArgs(), ...args], { cwd: ROOT, env: childEnv(env), timeout: timeoutMs, maxBuffer: 64 << 20 }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr }),
    ),
  );
}

async function exitWithin(cli: Cli, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([cli.exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]);
  clearTimeout(timer);
  assert.notEqual(code, 'timeout', `mbm did not exit within ${ms} ms\nstderr:\n${cli.stderr()}`);
  return code as number | null;
}

const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'mbm-pgcli-'));
  dirs.push(d);
  return d;
};

/** What a file export keeps of one log: the last version of each key, where it was written. */
function collapse(records: readonly MissedBlock[]): MissedBlock[] {
  const last = new Map<string, number>();
  records.forEach((r, i) => last.set(recordKey(r), i));
  return records.filter((r, i) => last.get(recordKey(r)) === i);
}

async function storeLines(url: string): Promise<string[]> {
  const rows = await pg.query<{ line: string }>(url, 'SELECT record::text AS line FROM mbm_records ORDER BY source, chain_id, write_seq');
  return rows.map((r) => r.line);
}

/** Mine `slots` empty slots then a block on `node` (expected_block_time 1 s): `slots` missed_slot records. */
async function skipSlots(node: Anvil, slots: number): Promise<void> {
  const t = (await latestBlock(node)).timestamp;
  await mineAt(node, t + slots + 1);
}

describe('mbm watch → PostgreSQL, two monitors', { skip: noPostgres }, () => {
  test('fleet report of both; a database kill mid-run loses and doubles nothing; --from-postgres export/report/serve equal the logs', async () => {
    const url = await pg.createDatabase('fleet');
    const dir = tempDir();
    const a = await startAnvil({ chainId: 1001 });
    const b = await startAnvil({ chainId: 1002 });
    const now = Math.floor(Date.now() / 1000);
    await mineAt(a, now + 30);
    await mineAt(b, now + 30);
    // Records reach the file at once (batch of 1), so the test can wait on the log; no stall records.
    const base = '[monitoring]\nexpected_block_time = 1\nmax_block_delay = 3600\n\n[logging]\nbatch_size = 1\nbatch_timeout = 0\nenable_console_logging = false\n';
    const cfgA = path.join(dir, 'a.toml');
    writeFileSync(cfgA, `${base}\n[storage]\npostgres_url = "${url}"\n`);
    const cfgB = path.join(dir, 'b.toml');
    writeFileSync(cfgB, base);
    // A directory each: files beside a log (the alert outbox) are one monitor's own.
    mkdirSync(path.join(dir, 'a'));
    mkdirSync(path.join(dir, 'b'));
    const logA = path.join(dir, 'a', 'a.jsonl');
    const logB = path.join(dir, 'b', 'b.jsonl');
    // One through the config's [storage], the other through the flag.
    const wa = mbm(['watch', '--rpc', a.wsUrl, '--config', cfgA, '--log', logA]);
    const wb = mbm(['watch', '--rpc', b.wsUrl, '--config', cfgB, '--log', logB, '--postgres', url]);
    for (const [w, log] of [[wa, logA], [wb, logB]] as const) {
      await waitFor(async () => (await readCheckpoint(`${log}.checkpoint.json`))?.number === 1, { what: `checkpoint at block 1 (${w.stderr()})`, timeoutMs: 30_000 });
    }

    await skipSlots(a, 2);
    await skipSlots(b, 1);
    await skipSlots(a, 1);
    await waitFor(() => collapse(readLog(logA)).length === 3 && collapse(readLog(logB)).length === 1, { what: 'the first records in the logs', timeoutMs: 15_000 });
    await waitFor(async () => (await storeLines(url).catch(() => [])).length === 4, { what: `the first records in the store (${wa.stderr()} ${wb.stderr()})`, timeoutMs: 15_000 });

    // The database dies: monitors go on writing their logs and queue on disk.
    await pg.kill();
    await skipSlots(a, 3);
    await skipSlots(b, 2);
    await skipSlots(b, 1);
    await waitFor(() => collapse(readLog(logA)).length === 6 && collapse(readLog(logB)).length === 4, { what: `records made during the outage in the logs (${collapse(readLog(logA)).length}, ${collapse(readLog(logB)).length}; ${wa.stderr()} ${wb.stderr()})`, timeoutMs: 15_000 });
    await waitFor(() => [logA, logB].every((l) => existsSync(`${l}.pgqueue`) && statSync(`${l}.pgqueue`).size > 0), {
      what: `both monitors queueing on disk (${wa.stderr()} ${wb.stderr()})`,
      timeoutMs: 20_000,
    });
    assert.match(wa.stderr(), /warning: postgres: 127\.0\.0\.1:\d+\/fleet: .*queueing records in .*a\.jsonl\.pgqueue/);
    assert.doesNotMatch(wa.stderr(), /postgres@|password/, 'the URL is never printed whole');
    await pg.restart();
    await skipSlots(a, 1); // one more after the return
    await waitFor(() => collapse(readLog(logA)).length === 7, { what: 'the last record in the log', timeoutMs: 15_000 });

    const expected = () => {
      const parts = [
        { label: a.url.replace(/^https?:\/\//, ''), records: collapse(readLog(logA)) },
        { label: b.url.replace(/^https?:\/\//, ''), records: collapse(readLog(logB)) },
      ].sort((x, y) => (x.label < y.label ? -1 : 1));
      return parts.flatMap((p) => p.records.map(toLogLine));
    };
    await waitFor(async () => JSON.stringify(await storeLines(url).catch(() => [])) === JSON.stringify(expected()), {
      what: `the store to catch up with the logs (${wa.stderr()} ${wb.stderr()})`,
      timeoutMs: 60_000,
    });
    const lines = await storeLines(url);
    assert.equal(lines.length, 11, 'every record once: 7 + 4');
    assert.equal(new Set(lines).size, lines.length, 'none doubled');
    await waitFor(() => [logA, logB].every((l) => statSync(`${l}.pgqueue`).size === 0), { what: 'the disk queues emptied' });
    assert.match(wa.stderr(), /reachable again/);

    wa.child.kill('SIGTERM');
    wb.child.kill('SIGTERM');
    assert.equal(await exitWithin(wa, 15_000), 0, wa.stderr());
    assert.equal(await exitWithin(wb, 15_000), 0, wb.stderr());
    const recA = readLog(logA);
    const recB = readLog(logB);
    const sourceA = recA[0].source!;
    const sourceB = recB[0].source!;
    assert.notEqual(sourceA, sourceB);
    assert.equal(recA[0].chain_id, 1001);
    assert.equal(recB[0].chain_id, 1002);

    // Fleet report: both monitors, each with its own numbers.
    const fleetRun = await run(['report', '--from-postgres', url, '--fleet', '--json']);
    assert.equal(fleetRun.code, 0, fleetRun.stderr);
    const fleet = JSON.parse(fleetRun.stdout) as { source: string; chain_id: number; total_missed: number; by_severity: Record<string, number>; current_streak: number; longest_streak: number; last_timestamp: number }[];
    const repA = buildReport(collapse(recA));
    const repB = buildReport(collapse(recB));
    const bySource = new Map(fleet.map((f) => [f.source, f]));
    assert.equal(fleet.length, 2);
    for (const [src, chain, rep] of [[sourceA, 1001, repA], [sourceB, 1002, repB]] as const) {
      const f = bySource.get(src)!;
      assert.ok(f, `${src} in the fleet: ${fleetRun.stdout}`);
      assert.deepEqual(
        { chain: f.chain_id, total: f.total_missed, sev: f.by_severity, cur: f.current_streak, longest: f.longest_streak, last: f.last_timestamp },
        { chain, total: rep.total_missed, sev: rep.by_severity, cur: rep.current_streak, longest: rep.longest_streak, last: rep.last_timestamp },
      );
    }
    assert.equal(bySource.get(sourceA)!.total_missed, 7);
    assert.equal(bySource.get(sourceB)!.total_missed, 4);
    const text = await run(['report', '--from-postgres', url, '--fleet']);
    assert.match(text.stdout, new RegExp(`${sourceA.replace(/\./g, '\\.')}\\s+1001\\s+7`));

    // report --from-postgres --source S equals `mbm report` of that monitor's log.
    for (const [src, log] of [[sourceA, logA], [sourceB, logB]]) {
      const fromStore = await run(['report', '--from-postgres', url, '--source', src, '--json']);
      const fromLog = await run(['report', '--json', log]);
      assert.equal(fromStore.code, 0, fromStore.stderr);
      assert.deepEqual(JSON.parse(fromStore.stdout), JSON.parse(fromLog.stdout));
    }
    const byChain = await run(['report', '--from-postgres', url, '--chain-id', '1002', '--json']);
    assert.equal(JSON.parse(byChain.stdout).total_missed, 4);

    // export --from-postgres equals the union of the two logs' exports (monitors in source order).
    const [first, second] = sourceA < sourceB ? [logA, logB] : [logB, logA];
    for (const format of ['csv', 'json']) {
      const all = await run(['export', '--from-postgres', url, '--format', format]);
      assert.equal(all.code, 0, all.stderr);
      const e1 = (await run(['export', '--format', format, first])).stdout;
      const e2 = (await run(['export', '--format', format, second])).stdout;
      if (format === 'csv') {
        const [head, ...rows1] = e1.trimEnd().split('\n');
        const rows2 = e2.trimEnd().split('\n').slice(1);
        assert.equal(all.stdout, `${[head, ...rows1, ...rows2].join('\n')}\n`);
      } else {
        const union = [...(JSON.parse(e1) as unknown[]), ...(JSON.parse(e2) as unknown[])];
        assert.deepEqual((JSON.parse(all.stdout) as unknown[]).map((x) => JSON.stringify(x)), union.map((x) => JSON.stringify(x)));
      }
      const one = await run(['export', '--from-postgres', url, '--format', format, '--source', sourceB]);
      assert.equal(one.stdout, (await run(['export', '--format', format, logB])).stdout, `${format} of one source`);
    }

    // serve --from-postgres: the same report and export over HTTP, /stats lists both monitors.
    const port = await freePort();
    const srv = mbm(['serve', '--from-postgres', url, '--listen', `127.0.0.1:${port}`]);
    await waitFor(() => srv.stderr().includes('-- serving postgres'), { what: `serve start (${srv.stderr()})`, timeoutMs: 30_000 });
    const api = (p: string) => fetch(`http://127.0.0.1:${port}${p}`);
    assert.deepEqual(await (await api('/report')).json(), JSON.parse((await run(['report', '--from-postgres', url, '--json'])).stdout));
    assert.equal(await (await api('/export?format=csv')).text(), (await run(['export', '--from-postgres', url])).stdout);
    assert.equal(await (await api(`/export?format=csv&source=${encodeURIComponent(sourceA)}`)).text(), (await run(['export', logA])).stdout);
    const stats = (await (await api('/stats')).json()) as { mode: string; total_missed: number; sources: { source: string }[] };
    assert.deepEqual({ mode: stats.mode, total: stats.total_missed, sources: stats.sources.map((s) => s.source).sort() }, { mode: 'postgres', total: 11, sources: [sourceA, sourceB].sort() });
    assert.equal((await api('/health')).status, 200);
    srv.child.kill('SIGTERM');
    assert.equal(await exitWithin(srv, 10_000), 0, srv.stderr());
  });
});

describe('store configuration errors name the key', { skip: noPostgres }, () => {
  test('[storage] postgres_url, $MBM_POSTGRES_URL, --postgres and --from-postgres', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'bad.toml');
    writeFileSync(cfg, '[storage]\npostgres_url = "mysql://u:hunter2@db/x"\n');
    const cases: { args: string[]; env?: Record<string, string>; key: RegExp }[] = [
      { args: ['watch', '--config', cfg], key: /storage\.postgres_url = "mysql:\/\/u:\*\*\*@db\/x": expected a PostgreSQL URL/ },
      { args: ['watch', '--log', path.join(dir, 'x.jsonl')], env: { MBM_POSTGRES_URL: 'not a url' }, key: /MBM_POSTGRES_URL = "not a url": expected a PostgreSQL URL/ },
      { args: ['watch', '--postgres', 'http://x', '--log', path.join(dir, 'x.jsonl')], key: /--postgres = "http:\/\/x": expected a PostgreSQL URL/ },
      { args: ['export', '--from-postgres', 'nope'], key: /--from-postgres = "nope": expected a PostgreSQL URL/ },
      { args: ['report', '--from-postgres', 'nope'], key: /--from-postgres = "nope": expected a PostgreSQL URL/ },
      { args: ['serve', '--from-postgres', 'nope'], key: /--from-postgres = "nope": expected a PostgreSQL URL/ },
      { args: ['report', '--from-postgres', `postgres://nobody@127.0.0.1:${await freePort()}/x`], key: /--from-postgres 127\.0\.0\.1:\d+\/x: .*ECONNREFUSED/ },
      { args: ['export', '--chain-id', '1'], key: /--chain-id filters the shared store/ },
    ];
    for (const c of cases) {
      const r = await run(c.args, c.env ?? {});
      assert.equal(r.code, 2, `${c.args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, c.key, c.args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /hunter2/);
    }
  });
});
