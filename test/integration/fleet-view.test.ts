// The extension's fleet views against a real PostgreSQL server: the Fleet node's numbers (the
// poller + tree model) and the fleet dashboard's feed (snapshot, then rows written since, through
// a database restart), checked against the records each monitor wrote. No vscode needed: the
// views' logic is plain code; the editor half runs in the e2e suite.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from 'pg';
import { DashboardModel } from '../../src/common/dashboard/model';
import { recordKey, toLogLine, type MissedBlock, type MissedBlockKind } from '../../src/core/model';
import { buildReport } from '../../src/core/report';
import { connectStore } from '../../src/node/store/connect';
import type { FleetSourceSummary } from '../../src/node/store/fleet';
import { rowFromRecord, upsertRows, type StoreRow } from '../../src/node/store/rows';
import { computeStreaks } from '../../src/core/streaks';
import type { FeedSink, FeedSnapshot } from '../../src/extension/dashboard/feed';
import { FleetFeed } from '../../src/extension/dashboard/fleetFeed';
import { FleetPoller, type FleetState } from '../../src/extension/fleet/fleetPoller';
import { fleetNode, monitorName } from '../../src/extension/model/fleetModel';
import { startPostgres, stopAllPostgres, type PgServer } from '../helpers/postgres';
import { waitFor } from '../helpers/wait';

let pg: PgServer;
let url: string;
before(async () => {
  pg = await startPostgres();
  url = await pg.createDatabase(`fleet_${process.pid}`);
});
after(() => stopAllPostgres());

const KINDS: MissedBlockKind[] = ['gap', 'delayed', 'missed_slot'];

/** One monitor's records: runs of consecutive blocks (streaks) with holes between them. */
function monitorLog(source: string, chainId: number, firstBlock: number, runs: number[]): MissedBlock[] {
  const out: MissedBlock[] = [];
  let block = firstBlock;
  runs.forEach((len, run) => {
    for (let i = 0; i < len; i++, block++) {
      const ts = 1_700_000_000 + block * 12;
      const kind = KINDS[(block + run) % KINDS.length];
      out.push({
        timestamp: ts,
        block_number: block,
        reason: kind === 'delayed' ? 'NetworkLatency' : 'Unknown',
        severity: i >= 3 ? 'Critical' : 'Medium',
        expected_timestamp: ts - 12,
        actual_timestamp: ts,
        recovery_attempts: 0,
        recovered: false,
        metadata: { note: '<img src=x onerror=alert(1)>' },
        alert_sent: false,
        kind,
        source,
        chain_id: chainId,
        ...(kind === 'missed_slot' ? { slot: ts - 6 } : {}),
      });
    }
    block += 3; // the hole that ends the streak
  });
  return out;
}

function rowsOf(records: readonly MissedBlock[]): StoreRow[] {
  return records.map((r) => {
    const line = toLogLine(r);
    const row = rowFromRecord(JSON.parse(line), line);
    assert.ok(!('error' in row), JSON.stringify(row));
    return row as StoreRow;
  });
}

async function write(records: readonly MissedBlock[]): Promise<void> {
  const c: Client = await connectStore(url);
  try {
    await upsertRows(c, rowsOf(records));
  } finally {
    await c.end();
  }
}

// Two monitors share a source label on different chains, with the same block numbers: they must
// stay apart everywhere.
const a = monitorLog('node-a:8545', 1, 100, [2, 5, 1]);
const a5 = monitorLog('node-a:8545', 5, 100, [4, 1]);
const b = monitorLog('node-b:8545', 31337, 500, [3, 3]);

function collecting(): FeedSink & { snapshots: FeedSnapshot[]; deltas: Parameters<FeedSink['delta']>[]; warnings: string[]; headsSeen: Record<string, number>[] } {
  const s = {
    snapshots: [] as FeedSnapshot[],
    deltas: [] as Parameters<FeedSink['delta']>[],
    warnings: [] as string[],
    headsSeen: [] as Record<string, number>[],
    snapshot: (x: FeedSnapshot) => void s.snapshots.push(x),
    heads: (h: Record<string, number>) => void s.headsSeen.push({ ...h }),
    delta: (...x: Parameters<FeedSink['delta']>) => void s.deltas.push(x),
    warn: (m: string) => void s.warnings.push(m),
  };
  return s;
}

describe('fleet views over the shared store', { timeout: 120_000 }, () => {
  test('the Fleet node shows each monitor with the numbers of its own records', async () => {
    await write([...a, ...a5]);
    const states: FleetState[] = [];
    const poller = new FleetPoller({ url, where: 'test', intervalMs: 60_000, onChange: (s) => states.push(s) });
    try {
      await poller.start();
      const s = poller.state;
      assert.equal(s.status, 'ok', JSON.stringify(s));
      assert.ok(s.status === 'ok');
      assert.equal(s.monitors.length, 2);
      for (const [recs, chain] of [[a, 1], [a5, 5]] as const) {
        const m: FleetSourceSummary | undefined = s.monitors.find((x) => x.chain_id === chain);
        assert.ok(m, `a summary for chain ${chain}`);
        const want = buildReport(recs);
        assert.equal(m.total_missed, want.total_missed, `chain ${chain}`);
        assert.equal(m.longest_streak, want.longest_streak, `chain ${chain}`);
        assert.equal(m.current_streak, want.current_streak, `chain ${chain}`);
      }
      const node = fleetNode(s);
      assert.equal(node.ariaLabel, 'Fleet: 2 monitors');
      const labels = node.children!.map((c) => c.ariaLabel);
      assert.deepEqual(labels, [
        `Monitor node-a:8545 · chain 1: current 1 · longest 5 · ${a.length} missed`,
        `Monitor node-a:8545 · chain 5: current 1 · longest 4 · ${a5.length} missed`,
      ]);
      // Tooltips and labels are plain text: the tree never renders them as markdown or HTML.
      assert.ok(!JSON.stringify(node).includes('<img'), 'no record metadata in the Fleet node');
    } finally {
      await poller.stop();
    }
  });

  test('the fleet dashboard: a snapshot of every monitor, rows written later as deltas, through a database restart', async () => {
    const sink = collecting();
    const feed = new FleetFeed({ url, sink, slotSeconds: 12, pollMs: 200 });
    const model = () => {
      const m = new DashboardModel({ clock: sink.snapshots[0].clock, bySource: true });
      m.apply(sink.snapshots[0].batch, sink.snapshots[0].details);
      for (const [batch, details] of sink.deltas) m.apply(batch, details);
      return m;
    };
    try {
      await feed.start();
      assert.equal(sink.snapshots.length, 1, sink.warnings.join('\n'));
      const stored = a.length + a5.length;
      assert.equal(model().size, stored, 'one dashboard record per stored record (same block numbers on two chains stay apart)');
      const facets = model().view().facets.sources.map((c) => `${c.name}=${c.count}`).sort();
      assert.deepEqual(facets, [`${monitorName({ source: 'node-a:8545', chain_id: 1 })}=${a.length}`, `${monitorName({ source: 'node-a:8545', chain_id: 5 })}=${a5.length}`]);

      // A third monitor starts writing: its rows arrive as deltas, nothing is doubled.
      await write(b);
      await waitFor(() => model().size === stored + b.length, { what: `the dashboard to hold ${stored + b.length} records`, timeoutMs: 15_000 });
      const v = model().view();
      // Streaks are per monitor: the longest over the fleet is the longest of any one of them.
      const perMonitor = [a, a5, b].map((recs) => computeStreaks(recs).longest);
      assert.equal(v.headline.longestStreak, Math.max(...perMonitor));
      const bars = v.streaks;
      const bName = monitorName({ source: 'node-b:8545', chain_id: 31337 });
      assert.deepEqual(bars.length.filter((_, i) => bars.source[i] === bName), computeStreaks(b).streaks.map((s) => s.length));
      // Its head (mbm_heads, which its sink would upsert) reaches the dashboard under the monitor's name.
      await pg.query(url, "INSERT INTO mbm_heads (source, chain_id, head) VALUES ('node-b:8545', 31337, 4242)");
      await waitFor(() => sink.headsSeen.some((h) => h[bName] === 4242), { what: `the head of ${bName} (${JSON.stringify(sink.headsSeen)})`, timeoutMs: 10_000 });

      // The database goes away: the feed says so once and keeps trying; back, it catches up.
      await pg.kill();
      await waitFor(() => sink.warnings.some((w) => /^fleet store: /.test(w)), { what: 'a warning that the store is unreachable', timeoutMs: 20_000 });
      await pg.restart();
      const late = monitorLog('node-b:8545', 31337, 900, [2]).map((r) => ({ ...r, recovered: true }));
      await write(late);
      await waitFor(() => model().size === stored + b.length + late.length, { what: 'the rows written after the restart', timeoutMs: 30_000 });
      assert.ok(sink.warnings.some((w) => /answering again/.test(w)), sink.warnings.join('\n'));
      const keys = new Set([...a, ...a5, ...b, ...late].map((r) => `${r.chain_id}|${recordKey(r)}`));
      assert.equal(model().size, keys.size, 'no record held twice');
    } finally {
      await feed.stop();
    }
  });

  test('a store that cannot be reached is a state the Fleet node shows, not an exception', async () => {
    const poller = new FleetPoller({ url: 'postgres://nobody@127.0.0.1:1/none', where: '127.0.0.1:1/none', intervalMs: 60_000, onChange: () => undefined });
    try {
      await poller.start();
      const s = poller.state;
      assert.equal(s.status, 'error');
      const node = fleetNode(s);
      assert.match(node.ariaLabel, /^Fleet: unreachable \(.*ECONNREFUSED/);
    } finally {
      await poller.stop();
    }
  });
});
