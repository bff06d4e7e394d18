// The shared store against a real PostgreSQL server (a throwaway one this file starts): the
// migration (concurrent starts), the keyed upsert (rewrites collapse, replays do not double), the
// SQL report equal to the JS report on the same records, the export order, and the sink's
// on-disk queue across a database outage.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { recordKey, toLogLine, type MissedBlock, type MissedBlockKind } from '../../src/core/model';
import { buildReport } from '../../src/core/report';
import { connectStore } from '../../src/node/store/connect';
import { fleetSummary } from '../../src/node/store/fleet';
import { migrate, SCHEMA_VERSION } from '../../src/node/store/schema';
import { rowFromRecord, upsertRows, type StoreRow } from '../../src/node/store/rows';
import { PostgresSink } from '../../src/node/store/sink';
import { storeRecordBatches, storeReport, type StoreFilter } from '../../src/node/store/store';
import { postgresAvailable, startPostgres, stopAllPostgres, type PgServer } from '../helpers/postgres';
import { waitFor } from '../helpers/wait';

let pg: PgServer;
let dbCount = 0;
const dirs: string[] = [];
// .ci/run installs Debian's postgresql; elsewhere without it these tests are skipped, saying why.
const noPostgres = postgresAvailable() ? false : 'PostgreSQL server binaries not installed (apt-get install postgresql)';
before(async () => {
  if (!noPostgres) pg = await startPostgres();
});
after(async () => {
  await stopAllPostgres();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const freshDb = () => pg.createDatabase(`store_${process.pid}_${++dbCount}`);

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = await connectStore(url);
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A deterministic pseudo-random generator (tests must not depend on luck). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const KINDS: MissedBlockKind[] = ['gap', 'delayed', 'missed_slot', 'reorg', 'tx_missed', 'chain_reset'];
/** A transaction hash for a tx_missed record (they are keyed by it). */
const txHash = (block: number, k: number) => `0x${block.toString(16).padStart(32, '0')}${k.toString(16).padStart(32, '0')}`;
const SEVERITIES = ['Low', 'Medium', 'High', 'Critical'] as const;
const REASONS = ['Unknown', 'ConnectionLost', 'NetworkLatency', 'ChainReorg', 'Timeout'] as const;

/** The log lines of one monitor: runs of missed blocks, missed slots sharing a block, rewrites (recoveries). */
function monitorLog(source: string | undefined, chainId: number | undefined, seed: number, count: number, start = 100): MissedBlock[] {
  const rand = rng(seed);
  const out: MissedBlock[] = [];
  let block = start + Math.floor(rand() * 20);
  for (let i = 0; i < count; i++) {
    block += rand() < 0.6 ? 1 : rand() < 0.5 ? 0 : 2 + Math.floor(rand() * 5);
    const kind = KINDS[Math.floor(rand() * KINDS.length)];
    const ts = 1_700_000_000 + block * 12;
    const r: MissedBlock = {
      timestamp: ts,
      block_number: block,
      reason: REASONS[Math.floor(rand() * REASONS.length)],
      severity: SEVERITIES[Math.floor(rand() * SEVERITIES.length)],
      expected_timestamp: ts - 12,
      actual_timestamp: ts,
      recovery_attempts: 0,
      recovered: false,
      metadata: { z_last: 1, a_first: 'x', detected_by: 'test' },
      alert_sent: false,
      kind,
      ...(source !== undefined ? { source } : {}),
      ...(chainId !== undefined ? { chain_id: chainId } : {}),
      ...(kind === 'missed_slot' ? { slot: ts - 6 } : {}),
      // Reorgs and resets are keyed by the hash they replaced: a second reorg at one height is a second row.
      ...(kind === 'reorg' || kind === 'chain_reset' ? { block_hash: hashFrom(rand) } : {}),
    };
    if (kind === 'tx_missed') r.metadata = { ...r.metadata, tx_hash: txHash(block, i) };
    out.push(r);
    if (kind === 'missed_slot' && rand() < 0.3) out.push({ ...r, slot: ts - 3, severity: 'High' });
    if (kind === 'reorg' && rand() < 0.3) out.push({ ...r, block_hash: hashFrom(rand), timestamp: ts + 1 });
    // Several expected transactions can miss one block.
    if (kind === 'tx_missed' && rand() < 0.3) out.push({ ...r, metadata: { ...r.metadata, tx_hash: txHash(block, i + 1_000_000) }, reason: 'NonceMismatch' });
    // Now and then an earlier record is written again, recovered.
    if (rand() < 0.25 && out.length > 2) {
      const old = out[Math.floor(rand() * (out.length - 1))];
      out.push({ ...old, recovered: true, recovery_attempts: 1, recovered_at: old.timestamp + 3, ...(rand() < 0.5 ? { recovery_ms: 2500 } : {}) });
    }
  }
  return out;
}

function hashFrom(rand: () => number): string {
  let h = '0x';
  while (h.length < 66) h += Math.floor(rand() * 16).toString(16);
  return h;
}

/** A log's collapse: the last version of each key, at the position of its first. */
function collapse(records: readonly MissedBlock[]): MissedBlock[] {
  const at = new Map<string, number>();
  const out: MissedBlock[] = [];
  for (const r of records) {
    const i = at.get(recordKey(r));
    if (i === undefined) {
      at.set(recordKey(r), out.length);
      out.push(r);
    } else out[i] = r;
  }
  return out;
}

function rowsOf(records: readonly MissedBlock[]): StoreRow[] {
  return records.map((r) => {
    const row = rowFromRecord(JSON.parse(toLogLine(r)), toLogLine(r));
    assert.ok(!('error' in row), JSON.stringify(row));
    return row as StoreRow;
  });
}

async function allRecords(c: Client, f: StoreFilter = {}, pageSize = 7): Promise<MissedBlock[]> {
  const out: MissedBlock[] = [];
  for await (const b of storeRecordBatches(c, f, { pageSize })) out.push(...b);
  return out;
}

describe('schema', { skip: noPostgres }, () => {
  test('migrates once when several processes start at once; migrating again is a no-op', async () => {
    const url = await freshDb();
    const clients = await Promise.all([1, 2, 3, 4].map(() => connectStore(url, { migrate: false })));
    try {
      const applied = await Promise.all(clients.map((c) => migrate(c)));
      assert.equal(SCHEMA_VERSION, 4);
      assert.deepEqual(applied.flat().sort(), [1, 2, 3, 4], 'exactly one of them applied each version');
      assert.deepEqual(await migrate(clients[0]), []);
      const v = await clients[0].query('SELECT version FROM mbm_schema_version ORDER BY version');
      assert.deepEqual(v.rows, [{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }]);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  test('v1 → v2 keeps the rows and their order (first_seq = write_seq); later rewrites keep their place', async () => {
    const url = await freshDb();
    const c = await connectStore(url, { migrate: false });
    try {
      assert.deepEqual(await migrate(c, 1), [1]);
      // Two rows as a v1 monitor stored them: #7 written (seq 10), then #5 (seq 20).
      for (const [n, seq] of [[7, 10], [5, 20]]) {
        const r: MissedBlock = { timestamp: 1000 + n, block_number: n, reason: 'Unknown', severity: 'Medium', expected_timestamp: 1000, actual_timestamp: 1000 + n, recovery_attempts: 0, recovered: false, metadata: {}, alert_sent: false, kind: 'gap', source: 's:1', chain_id: 1 };
        await c.query(
          `INSERT INTO mbm_records (source, chain_id, block_number, kind, slot, reason, severity, ts, recovered, alert_sent, record, write_seq)
           VALUES ('s:1', 1, $1, 'gap', -1, 'Unknown', 'Medium', $2, false, false, $3::json, $4)`,
          [n, 1000 + n, toLogLine(r), seq],
        );
      }
      assert.deepEqual(await migrate(c, 2), [2]);
      const seqs = await c.query('SELECT block_number::int AS n, first_seq::int AS f, write_seq::int AS w FROM mbm_records ORDER BY first_seq');
      assert.deepEqual(seqs.rows, [{ n: 7, f: 10, w: 10 }, { n: 5, f: 20, w: 20 }]);
      // This mbm writes the current schema: the later versions keep the rows and their order too.
      assert.deepEqual(await migrate(c), [3, 4]);
      // #7 recovered now: rewritten, still first in the export.
      const recovered = (await allRecords(c))[0]!;
      await upsertRows(c, rowsOf([{ ...recovered, recovered: true, severity: 'Low', recovery_attempts: 1 }]));
      assert.deepEqual((await allRecords(c)).map((r) => `${r.block_number} ${r.recovered}`), ['7 true', '5 false']);
      const after = await c.query('SELECT first_seq::int AS f, write_seq > 20 AS moved FROM mbm_records WHERE block_number = 7');
      assert.deepEqual(after.rows, [{ f: 10, moved: true }]);
    } finally {
      await c.end();
    }
  });
});

describe('store', { skip: noPostgres }, () => {
  const logs = {
    a: monitorLog('node-a:8545', 1, 1, 60),
    b: monitorLog('node-b:8545', 31337, 2, 50),
    // Same block numbers as a, other chain; and a writer that names neither source nor chain.
    c: monitorLog('node-a:8545', 5, 3, 30),
    d: monitorLog(undefined, undefined, 4, 20),
    // A second source on chain 1: the per-chain streaks merge it with a.
    e: monitorLog('node-e:8545', 1, 5, 40),
    // Far above the others (another chain's heights).
    f: monitorLog('node-f:8545', 7, 6, 30, 1_000_000),
  };

  test('rewrites collapse to one row per key, replays change nothing, export order is each log\'s collapse order', async () => {
    const url = await freshDb();
    await withClient(url, async (c) => {
      // Interleaved batches of the four logs, as four monitors would send them.
      const batches = Object.values(logs).flatMap((log) => {
        const out: MissedBlock[][] = [];
        for (let i = 0; i < log.length; i += 13) out.push(log.slice(i, i + 13));
        return out;
      });
      for (const b of batches) await upsertRows(c, rowsOf(b));
      const expected = [logs.d, logs.a, logs.c, logs.b, logs.e, logs.f].map(collapse);
      const lines = (await allRecords(c)).map(toLogLine);
      assert.deepEqual(lines, expected.flat().map(toLogLine));
      // A replay of a log's tail (a crash between commit and dequeue) doubles nothing.
      await upsertRows(c, rowsOf(logs.a.slice(-20)));
      assert.deepEqual((await allRecords(c)).map(toLogLine), lines);
      const n = await c.query('SELECT count(*)::int AS n FROM mbm_records');
      assert.equal(n.rows[0].n, expected.flat().length);
      // Filters.
      assert.deepEqual((await allRecords(c, { source: ['node-b:8545'] })).map(toLogLine), collapse(logs.b).map(toLogLine));
      assert.deepEqual((await allRecords(c, { chainId: [5] })).map(toLogLine), collapse(logs.c).map(toLogLine));
    });
  });

  test('the SQL report equals the JS report of the same records, for every filter', async () => {
    const url = await freshDb();
    await withClient(url, async (c) => {
      for (const log of Object.values(logs)) for (let i = 0; i < log.length; i += 17) await upsertRows(c, rowsOf(log.slice(i, i + 17)));
      const filters: StoreFilter[] = [
        {},
        { source: ['node-a:8545'] },
        { source: ['node-a:8545'], chainId: [1] },
        { chainId: [31337] },
        { chainId: [1] },
        { chainId: [1, 5] },
        { source: ['node-a:8545', 'node-e:8545'], chainId: [1] },
        { source: ['node-e:8545'] },
        { source: ['node-b:8545', 'node-a:8545'] },
        { source: ['node-f:8545', 'node-b:8545'] },
        { source: ['node-f:8545', 'node-e:8545', 'node-b:8545'] },
        { source: ['node-f:8545', 'node-a:8545'] },
        { chainId: [1, 7] },
        { source: [''] },
        { source: ['nobody'] },
      ];
      for (const f of filters) {
        const records = await allRecords(c, f, 1000);
        assert.deepEqual(await storeReport(c, f), buildReport(records), `filter ${JSON.stringify(f)}`);
      }
      // And the JS report of the logs themselves (per monitor: the file's collapse).
      assert.deepEqual(await storeReport(c, { source: ['node-b:8545'] }), buildReport(collapse(logs.b)));
      const fleet = await fleetSummary(c);
      assert.deepEqual(
        fleet.map((s) => [s.source, s.chain_id, s.total_missed]),
        [
          [null, null, collapse(logs.d).length],
          ['node-a:8545', 1, collapse(logs.a).length],
          ['node-a:8545', 5, collapse(logs.c).length],
          ['node-b:8545', 31337, collapse(logs.b).length],
          ['node-e:8545', 1, collapse(logs.e).length],
          ['node-f:8545', 7, collapse(logs.f).length],
        ],
      );
      const b = buildReport(collapse(logs.b));
      const fb = fleet[3];
      assert.deepEqual(
        { cur: fb.current_streak, longest: fb.longest_streak, sev: fb.by_severity, last: fb.last_timestamp },
        { cur: b.current_streak, longest: b.longest_streak, sev: b.by_severity, last: b.last_timestamp },
      );
    });
  });
});

describe('store: relay payloads', { skip: noPostgres }, () => {
  test('value lost from the store equals the log report (one payload per beacon slot; rewrites collapse)', async () => {
    const url = await freshDb();
    const pay = (slot: number, wei: string, over: Partial<MissedBlock> = {}): MissedBlock => ({
      timestamp: 1000 + slot, block_number: 7, reason: 'Unknown', severity: 'High', expected_timestamp: 1000, actual_timestamp: 1000 + slot,
      recovery_attempts: 0, recovered: false, metadata: {}, alert_sent: false, kind: 'payload_missed', block_hash: `0x${slot.toString(16).padStart(64, '0')}`,
      source: 'node:8545', beacon_slot: slot, relay: 'relay.a:443', payload_value_wei: wei, ...over,
    });
    // Three empty slots' payloads share block number 7; one is written again (alert sent).
    const records = [pay(1, '123456789012345678901'), pay(2, '5'), pay(3, '1000000000000000000'), pay(2, '5', { alert_sent: true })];
    await withClient(url, async (c) => {
      await upsertRows(c, rowsOf(records));
      const r = await storeReport(c);
      assert.equal(r.by_kind.payload_missed, 3);
      assert.deepEqual({ ...r.value_lost, by_relay: { ...r.value_lost!.by_relay } }, { count: 3, wei: '124456789012345678906', by_relay: { 'relay.a:443': { count: 3, wei: '124456789012345678906' } } });
      assert.deepEqual(r.value_lost, buildReport(collapse(records)).value_lost);
    });
  });
});

describe('PostgresSink', { skip: noPostgres }, () => {
  const tempDir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'mbm-sink-'));
    dirs.push(d);
    return d;
  };

  test('a database outage queues records on disk; they are sent when it returns, none lost, none doubled', async () => {
    const url = await freshDb();
    const dir = tempDir();
    const spool = path.join(dir, 'log.jsonl.pgqueue');
    const warnings: string[] = [];
    const sink = new PostgresSink({ url, spoolPath: spool, flushMs: 20, retry: { initialMs: 50, maxMs: 300 }, connectTimeoutMs: 1000 });
    await sink.start((m) => warnings.push(m));
    const log = monitorLog('node-a:8545', 1, 9, 80);
    for (const r of log.slice(0, 30)) sink.write(r);
    await sink.idle();
    await pg.kill();
    for (const r of log.slice(30, 60)) sink.write(r);
    await waitFor(() => existsSync(spool) && statSync(spool).size > 0, { what: `records queued on disk (warnings: ${warnings.join(' | ')})` });
    assert.ok(warnings.some((w) => /queueing records in .*pgqueue/.test(w)), warnings.join('\n'));
    for (const r of log.slice(60)) sink.write(r);
    await waitFor(() => readFileSync(spool, 'utf8').trim().split('\n').length >= 50, { what: 'every record written during the outage on disk' });
    await pg.restart();
    await sink.idle(20_000);
    assert.ok(warnings.some((w) => /reachable again/.test(w)), warnings.join('\n'));
    assert.equal(statSync(spool).size, 0, 'the queue is emptied once sent');
    await withClient(url, async (c) => {
      assert.deepEqual((await allRecords(c, {}, 1000)).map(toLogLine), collapse(log).map(toLogLine));
    });
    await sink.close();
  });

  test('stopped while the database is down: the rest waits on disk and the next start sends it first', async () => {
    const url = await freshDb();
    const dir = tempDir();
    const spool = path.join(dir, 'log.jsonl.pgqueue');
    const log = monitorLog('node-z:1', 7, 11, 40);
    await pg.kill();
    const s1 = new PostgresSink({ url, spoolPath: spool, flushMs: 10, retry: { initialMs: 50, maxMs: 200 }, connectTimeoutMs: 500 });
    await s1.start(() => undefined);
    for (const r of log.slice(0, 25)) s1.write(r);
    await s1.close();
    assert.ok(readFileSync(spool, 'utf8').trim().split('\n').length >= 25);
    await pg.restart();
    const warnings: string[] = [];
    const s2 = new PostgresSink({ url, spoolPath: spool, flushMs: 10, retry: { initialMs: 50, maxMs: 200 } });
    await s2.start((m) => warnings.push(m));
    for (const r of log.slice(25)) s2.write(r);
    await s2.idle(20_000);
    await s2.close();
    assert.ok(warnings.some((w) => /holds records from before/.test(w)), warnings.join('\n'));
    await withClient(url, async (c) => {
      assert.deepEqual((await allRecords(c, {}, 1000)).map(toLogLine), collapse(log).map(toLogLine));
    });
  });

  test('the on-disk queue is bounded: past it records are refused with a warning naming the bound', async () => {
    const url = await freshDb();
    const dir = tempDir();
    const spool = path.join(dir, 'log.jsonl.pgqueue');
    writeFileSync(spool, '');
    await pg.kill();
    const warnings: string[] = [];
    const sink = new PostgresSink({ url, spoolPath: spool, maxSpoolBytes: 2_000, flushMs: 10, retry: { initialMs: 50, maxMs: 100 }, connectTimeoutMs: 500 });
    await sink.start((m) => warnings.push(m));
    const log = monitorLog('node-q:1', 1, 12, 30);
    for (const r of log) sink.write(r);
    await waitFor(() => sink.dropped > 0 && warnings.some((w) => /is full \(2000 bytes\)/.test(w)), { what: `the drop warning (${warnings.join(' | ')})` });
    assert.ok(statSync(spool).size <= 2_000);
    await sink.close();
    await pg.restart();
  });
});
