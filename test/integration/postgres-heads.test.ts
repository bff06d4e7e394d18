// The shared store against a real PostgreSQL server (a throwaway one this file starts) and a real
// anvil: "current streak" from the store is judged by the monitor's head (mbm_heads, upserted by the
// sink), as the live monitor and the file views judge it — once the chain moved on, `mbm report
// --from-postgres`, `mbm serve --from-postgres` /report and /metrics say 0, as /stats of the live
// monitor does. And the row key holds the relay (schema v4): two relays delivering for one slot stay
// two payload_missed rows; rows stored by a v3 monitor stay readable after the migration.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordKey, toLogLine, type MissedBlock } from '../../src/core/model';
import { buildReport } from '../../src/core/report';
import { connectStore } from '../../src/node/store/connect';
import { migrate, SCHEMA_VERSION } from '../../src/node/store/schema';
import { rowFromRecord, upsertRows, type StoreRow } from '../../src/node/store/rows';
import { storeRecordBatches, storeReport } from '../../src/node/store/store';
import { freePort, startAnvil, stopAllAnvils } from '../helpers/anvil';
import { cliArgs, ROOT, spawnMbm } from '../helpers/cli';
import { postgresAvailable, startPostgres, stopAllPostgres, type PgServer } from '../helpers/postgres';
import { latestBlock, mineAt, readLog } from '../helpers/service';
import { waitFor } from '../helpers/wait';

let pg: PgServer;
const dirs: string[] = [];
const children = new Set<ChildProcess>();
// .ci/run installs Debian's postgresql; elsewhere without it these tests are skipped, saying why.
const noPostgres = postgresAvailable() ? false : 'PostgreSQL server binaries not installed (apt-get install postgresql)';
before(async () => {
  if (!noPostgres) pg = await startPostgres();
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await stopAllAnvils();
  await stopAllPostgres();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const env = (): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', MBM_API_TOKEN: '' };
  delete e.MBM_POSTGRES_URL;
  return e;
};

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [...cliArgs(), ...args], { cwd: ROOT, env: env(), timeout: 60_000 }, (e, stdout, stderr) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr }),
    ),
  );
}

const collapse = (records: readonly MissedBlock[]) => {
  const last = new Map<string, number>();
  records.forEach((r, i) => last.set(recordKey(r), i));
  return records.filter((r, i) => last.get(recordKey(r)) === i);
};

const gauge = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

describe('current streak from the store follows the monitor\'s head', { skip: noPostgres }, () => {
  test('after the chain moved on: report --from-postgres, serve --from-postgres /report and /metrics say 0, as the live /stats', { timeout: 120_000 }, async () => {
    const url = await pg.createDatabase('heads');
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-pgheads-'));
    dirs.push(dir);
    const node = await startAnvil({ chainId: 1003 });
    const t0 = Math.floor(Date.now() / 1000) + 30;
    await mineAt(node, t0);
    const cfg = path.join(dir, 'mbm.toml');
    writeFileSync(cfg, '[monitoring]\nexpected_block_time = 1\nmax_block_delay = 3600\n\n[logging]\nbatch_size = 1\nbatch_timeout = 0\nenable_console_logging = false\n');
    const log = path.join(dir, 'missed.jsonl');
    const port = await freePort();
    const w = spawnMbm(['watch', '--rpc', node.wsUrl, '--config', cfg, '--log', log, '--postgres', url, '--listen', `127.0.0.1:${port}`], { env: env(), running: children });
    const stats = async () => (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as { current_streak: number; head?: { number: number } };
    await waitFor(async () => (await stats().catch(() => undefined))?.head?.number === 1, { what: `the monitor at block 1 (${w.stderr()})`, timeoutMs: 30_000 });

    // Three empty slots before block 2: a streak of 3 missed_slot records at #2, current.
    await mineAt(node, t0 + 4);
    await waitFor(() => collapse(readLog(log)).length === 3, { what: `3 missed slots in the log (${w.stderr()})`, timeoutMs: 15_000 });
    const c = await connectStore(url);
    try {
      await waitFor(async () => (await storeReport(c)).total_missed === 3, { what: 'the records in the store', timeoutMs: 15_000 });
    } finally {
      await c.end();
    }
    const reportJson = async () => JSON.parse((await run(['report', '--from-postgres', url, '--json'])).stdout) as { current_streak: number; longest_streak: number };
    assert.equal((await stats()).current_streak, 3, 'live: current');
    await waitFor(async () => (await reportJson()).current_streak === 3, { what: 'the store: current 3 while the chain has not moved on', timeoutMs: 10_000 });

    // The chain moves on: blocks #3 and #4 in their slots. Head #4 > #2 + 1: the streak is over.
    const h = (await latestBlock(node)).timestamp;
    await mineAt(node, h + 1);
    await mineAt(node, h + 2);
    await waitFor(async () => (await stats()).head?.number === 4, { what: 'the monitor at block 4', timeoutMs: 15_000 });
    assert.equal((await stats()).current_streak, 0, 'live: the chain moved on');
    await waitFor(async () => (await reportJson()).current_streak === 0, { what: 'the store: current 0 after the chain moved on (mbm_heads)', timeoutMs: 10_000 });
    const rep = await reportJson();
    assert.deepEqual({ current: rep.current_streak, longest: rep.longest_streak }, { current: 0, longest: 3 });
    const heads = await pg.query<{ source: string; chain_id: string; head: string }>(url, 'SELECT source, chain_id::text, head::text FROM mbm_heads');
    assert.deepEqual(heads.map((x) => [x.chain_id, x.head]), [['1003', '4']]);

    const sport = await freePort();
    const srv = spawnMbm(['serve', '--from-postgres', url, '--listen', `127.0.0.1:${sport}`], { env: env(), running: children });
    await waitFor(() => srv.stderr().includes('-- serving postgres'), { what: `serve start (${srv.stderr()})`, timeoutMs: 30_000 });
    const served = (await (await fetch(`http://127.0.0.1:${sport}/report`)).json()) as { current_streak: number };
    assert.equal(served.current_streak, 0, '/report of serve --from-postgres');
    const metrics = await (await fetch(`http://127.0.0.1:${sport}/metrics`)).text();
    assert.equal(gauge(metrics, 'mev_relay_current_missed_streak'), 0, '/metrics of serve --from-postgres');
    assert.equal(gauge(metrics, 'mev_relay_longest_missed_streak'), 3);
    srv.child.kill('SIGTERM');
    w.child.kill('SIGTERM');
    assert.equal(await w.exited, 0, w.stderr());
    // The file report (its checkpoint) says the same.
    assert.equal(JSON.parse((await run(['report', '--json', log])).stdout).current_streak, 0);
  });
});

describe('store: which head judges the last streak', { skip: noPostgres }, () => {
  test('the head of the monitors the last streak is on, not another chain\'s higher numbers; no head: the log-only rule', async () => {
    const url = await pg.createDatabase('whichhead');
    const c = await connectStore(url);
    const gap = (n: number, source: string, chain: number): MissedBlock => ({
      timestamp: 1000 + n, block_number: n, reason: 'Unknown', severity: 'Medium', expected_timestamp: 1000 + n, actual_timestamp: 1000 + n,
      recovery_attempts: 0, recovered: false, metadata: {}, alert_sent: false, kind: 'gap', source, chain_id: chain,
    });
    const setHead = (source: string, chain: number, head: number) =>
      c.query('INSERT INTO mbm_heads (source, chain_id, head) VALUES ($1, $2, $3) ON CONFLICT (source, chain_id) DO UPDATE SET head = EXCLUDED.head', [source, chain, head]);
    try {
      // Chain 1: a streak #498–#500; chain 7: one record at #100 (its blocks are numbered far higher).
      await upsertRows(c, rowsOf([gap(498, 'a:8545', 1), gap(499, 'a:8545', 1), gap(500, 'a:8545', 1), gap(100, 'b:8545', 7)]));
      assert.equal((await storeReport(c)).current_streak, 3, 'no head stored: nothing recovered, current');
      await setHead('b:8545', 7, 1_000_000);
      await setHead('a:8545', 1, 501);
      assert.equal((await storeReport(c)).current_streak, 3, 'chain 1 at #501: current');
      await setHead('a:8545', 1, 502);
      assert.equal((await storeReport(c)).current_streak, 0, 'chain 1 at #502: over');
      // A monitor with no head of its own (a beacon node's records beside the RPC endpoint) takes its chain's.
      await upsertRows(c, rowsOf([gap(600, 'bn:5052', 1), gap(601, 'bn:5052', 1)]));
      assert.equal((await storeReport(c, { source: ['bn:5052'] })).current_streak, 2, 'chain 1\'s head #502: the streak #600–#601 is current');
      await setHead('a:8545', 1, 603);
      assert.equal((await storeReport(c, { source: ['bn:5052'] })).current_streak, 0, 'chain 1\'s head #603: over');
    } finally {
      await c.end();
    }
  });
});

const pay = (slot: number, relay: string, wei: string, over: Partial<MissedBlock> = {}): MissedBlock => ({
  timestamp: 1000 + slot, block_number: 7, reason: 'Unknown', severity: 'High', expected_timestamp: 1000, actual_timestamp: 1000 + slot,
  recovery_attempts: 0, recovered: false, metadata: {}, alert_sent: false, kind: 'payload_missed', block_hash: `0x${slot.toString(16).padStart(64, '0')}`,
  source: 'node:8545', chain_id: 1, beacon_slot: slot, relay, payload_value_wei: wei, ...over,
});
const rowsOf = (records: readonly MissedBlock[]): StoreRow[] =>
  records.map((r) => {
    const row = rowFromRecord(r, toLogLine(r));
    if ('error' in row) throw new Error(row.error);
    return row;
  });

describe('store: the relay is part of a payload_missed row\'s key (schema v4)', { skip: noPostgres }, () => {
  test('two relays delivering for one slot stay two rows; per relay and in total as the log report says', async () => {
    const url = await pg.createDatabase('relaykey');
    const c = await connectStore(url);
    try {
      assert.equal(SCHEMA_VERSION, 4);
      // Slot 3's payload came from two relays; slot 4's from one, written twice (alert sent).
      const records = [pay(3, 'relay.a:443', '1000'), pay(3, 'relay.b:443', '1000'), pay(4, 'relay.a:443', '5'), pay(4, 'relay.a:443', '5', { alert_sent: true })];
      await upsertRows(c, rowsOf(records));
      const rows = await c.query('SELECT slot::int, relay FROM mbm_records ORDER BY slot, relay');
      assert.deepEqual(rows.rows, [{ slot: 3, relay: 'relay.a:443' }, { slot: 3, relay: 'relay.b:443' }, { slot: 4, relay: 'relay.a:443' }]);
      const r = await storeReport(c);
      assert.equal(r.by_kind.payload_missed, 3);
      assert.deepEqual({ ...r.value_lost, by_relay: { ...r.value_lost!.by_relay } }, {
        count: 2,
        wei: '1005',
        by_relay: { 'relay.a:443': { count: 2, wei: '1005' }, 'relay.b:443': { count: 1, wei: '1000' } },
      });
      assert.deepEqual(r.value_lost, buildReport(collapse(records)).value_lost);
    } finally {
      await c.end();
    }
  });

  test('v3 → v4: rows a v3 monitor stored stay readable and get their relay; new deliveries for the slot from another relay are rows of their own', async () => {
    const url = await pg.createDatabase('v3tov4');
    const c = await connectStore(url, { migrate: false });
    try {
      assert.deepEqual(await migrate(c, 3), [1, 2, 3]);
      // As v3 stored them: no relay column (the v3 key had none).
      const old = [pay(8, 'relay.a:443', '42'), { ...pay(9, 'relay.a:443', '1'), kind: 'gap' as const, beacon_slot: undefined, relay: undefined, payload_value_wei: undefined, block_number: 9 }];
      for (const r of old) {
        const row = rowsOf([r])[0];
        await c.query(
          `INSERT INTO mbm_records (source, chain_id, block_number, kind, slot, reason, severity, ts, recovered, alert_sent, record, write_seq, first_seq)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, false, false, $9::json, $10, $10)`,
          [row.source, row.chain_id, row.block_number, row.kind, row.slot, row.reason, row.severity, row.ts, row.record, row.block_number],
        );
      }
      assert.deepEqual(await migrate(c), [4]);
      const rows = await c.query('SELECT kind, slot::int, relay FROM mbm_records ORDER BY block_number');
      assert.deepEqual(rows.rows, [{ kind: 'payload_missed', slot: 8, relay: 'relay.a:443' }, { kind: 'gap', slot: -1, relay: '' }]);
      // The same delivery again updates its row; relay b's is a row of its own.
      await upsertRows(c, rowsOf([pay(8, 'relay.a:443', '42', { alert_sent: true }), pay(8, 'relay.b:443', '42')]));
      const all: MissedBlock[] = [];
      for await (const b of storeRecordBatches(c)) all.push(...b);
      assert.deepEqual(all.map((r) => [r.kind, r.relay ?? '', r.alert_sent]), [['payload_missed', 'relay.a:443', true], ['gap', '', false], ['payload_missed', 'relay.b:443', false]]);
      const r = await storeReport(c);
      assert.equal(r.total_missed, 3);
      assert.equal(r.value_lost!.count, 1, 'one payload, delivered by two relays');
      const empty = await c.query('SELECT count(*)::int AS n FROM mbm_heads');
      assert.equal(empty.rows[0].n, 0);
    } finally {
      await c.end();
    }
  });
});
