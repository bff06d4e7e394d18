import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DashboardModel } from '../../src/common/dashboard/model';
import { defaultView, type ViewSettings } from '../../src/common/dashboard/viewFilter';
import { BatchWriter, encodeBatch, type LocatedRecord } from '../../src/common/dashboard/wire';
import { RecentRecords } from '../../src/extension/dashboard/feed';
import { buildReport } from '../../src/core/report';
import { recordKey, type MissedBlock } from '../../src/core/model';
import { base, prng, randomLog, T0 } from '../helpers/dashboardRecords';

const clock = { slotSeconds: 12, genesis: T0 };
const FILE = '/logs/missed_blocks.jsonl';
const located = (records: MissedBlock[], firstLine = 1): LocatedRecord[] => records.map((record, i) => ({ record, file: FILE, line: firstLine + i }));

/** The model of one snapshot of the whole log, as the live feed would send it (collapsed). */
function fullModel(lines: MissedBlock[], view: ViewSettings = defaultView()): DashboardModel {
  const w = new BatchWriter();
  const recent = new RecentRecords();
  for (const e of located(lines)) {
    w.put(e);
    recent.push(e);
  }
  const m = new DashboardModel({ clock });
  m.setView(view);
  m.apply(w.finish(), recent.details());
  return m;
}

/** A snapshot of the first `k` lines, then the rest as deltas of random sizes. */
function incrementalModel(lines: MissedBlock[], k: number, rnd: () => number, view: ViewSettings = defaultView()): DashboardModel {
  const m = fullModel(lines.slice(0, k), view);
  let i = k;
  while (i < lines.length) {
    const n = 1 + Math.floor(rnd() * 40);
    const chunk = located(lines.slice(i, i + n), i + 1);
    const recent = new RecentRecords();
    for (const e of chunk) recent.push(e);
    m.apply(encodeBatch(chunk), recent.details());
    i += n;
  }
  return m;
}

const filtered: ViewSettings = {
  filter: { reasons: ['NetworkLatency', 'RpcError', 'Timeout', 'Unknown', 'ChainReorg'], severities: ['High', 'Critical', 'Medium'], sources: ['node-a:8545', ''] },
  range: { from: T0 + 1200 * 12, to: T0 + 2400 * 12 },
};

test('a snapshot followed by deltas (appends and recovery rewrites) gives the view of one snapshot of the final log', () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    const rnd = prng(seed);
    const lines = randomLog(seed, 1500);
    const k = Math.floor(rnd() * lines.length);
    assert.deepEqual(incrementalModel(lines, k, rnd).view(), fullModel(lines).view(), `seed ${seed}, snapshot of ${k} lines`);
  }
});

test('the same holds under a filter and time range set before the deltas, and after them', () => {
  for (const seed of [5, 6, 7]) {
    const rnd = prng(seed);
    const lines = randomLog(seed, 1500);
    const before = incrementalModel(lines, 300, rnd, filtered);
    const after = incrementalModel(lines, 300, rnd);
    after.setView(filtered);
    const full = fullModel(lines, filtered).view();
    assert.ok(full.shown > 0 && full.shown < full.held, 'the filter narrows but keeps some');
    assert.deepEqual(before.view(), full, `seed ${seed}: filter set first`);
    assert.deepEqual(after.view(), full, `seed ${seed}: filter set last`);
  }
});

test('headline numbers are the ones mbm report computes from the same records', () => {
  const lines = randomLog(9, 2000);
  const last = new Map<string, MissedBlock>();
  for (const r of lines) last.set(recordKey(r), r);
  const report = buildReport(last.values());
  const h = fullModel(lines).view().headline;
  assert.equal(h.total, report.total_missed);
  assert.equal(h.recovered, report.recovered);
  assert.equal(h.recoveryRate, report.recovery_rate);
  assert.equal(h.currentStreak, report.current_streak);
  assert.equal(h.longestStreak, report.longest_streak);
  assert.equal(h.avgRecoveryMs, report.avg_recovery_ms);
  assert.equal(h.firstBlock, report.first_block);
  assert.equal(h.lastBlock, report.last_block);
});

test('a recovery rewrite replaces the record: counted once, now recovered', () => {
  const m = new DashboardModel({ clock });
  m.apply(encodeBatch(located([base(10), base(11)])));
  assert.equal(m.view().headline.recovered, 0);
  m.apply(encodeBatch(located([{ ...base(11), recovered: true, recovery_ms: 2500 }], 3)));
  const v = m.view();
  assert.equal(v.headline.total, 2);
  assert.equal(v.headline.recovered, 1);
  assert.equal(v.headline.recoveryRate, 50);
  assert.equal(v.headline.avgRecoveryMs, 2500);
  assert.deepEqual(v.histogram.counts.slice(0, 3), [0, 0, 1], '2.5 s lands in 2s–5s');
  assert.equal(v.streaks.length[0], 2);
});

test('missed % is records per block number over the span first..last block', () => {
  const m = new DashboardModel({ clock });
  m.apply(encodeBatch(located([base(100), base(101), base(109), { ...base(109), kind: 'missed_slot', slot: 5 }])));
  // 3 distinct blocks of 10 (100..109).
  assert.equal(m.view().headline.missedPercent, 30);
});

test('facets count every record whatever the filter; the filter narrows the charts only', () => {
  const m = new DashboardModel({ clock });
  m.apply(encodeBatch(located([base(1, { reason: 'Timeout', severity: 'High' }), base(2, { reason: 'RpcError', source: 'a:1' }), base(3, { reason: 'Timeout' })])));
  m.setView({ ...defaultView(), filter: { reasons: ['Timeout'], severities: [], sources: [] } });
  const v = m.view();
  assert.equal(v.shown, 2);
  assert.equal(v.held, 3);
  assert.deepEqual(v.reasons, [{ name: 'Timeout', count: 2 }]);
  assert.deepEqual(v.facets.reasons, [{ name: 'Timeout', count: 2 }, { name: 'RpcError', count: 1 }]);
  assert.deepEqual(v.facets.sources, [{ name: '', count: 2 }, { name: 'a:1', count: 1 }]);
  m.setView({ ...defaultView(), filter: { reasons: [], severities: [], sources: ['a:1'] } });
  assert.equal(m.view().shown, 1);
  m.setView({ ...defaultView(), filter: { reasons: [], severities: ['High'], sources: [] } });
  assert.equal(m.view().shown, 1);
});

test('the newest records keep their details (metadata as text) and follow the filter', () => {
  const m = new DashboardModel({ clock, recentLimit: 2 });
  const lines = [base(1, { metadata: { note: '<img src=x onerror=alert(1)>' } }), base(2), base(3, { reason: 'Timeout' })];
  const recent = new RecentRecords();
  for (const e of located(lines)) recent.push(e);
  m.apply(encodeBatch(located(lines)), recent.details());
  assert.deepEqual(m.view().recent.map((d) => d.block_number), [3, 2], 'newest first, bounded');
  m.setView({ ...defaultView(), filter: { reasons: ['Timeout'], severities: [], sources: [] } });
  assert.deepEqual(m.view().recent.map((d) => d.block_number), [3]);
  const m2 = new DashboardModel({ clock });
  m2.apply(encodeBatch(located(lines)), recent.details());
  assert.equal(new RecentRecords().details().length, 0);
  const first = located(lines)[0];
  const r = new RecentRecords();
  r.push(first);
  assert.equal(r.details()[0].metadata, '{"note":"<img src=x onerror=alert(1)>"}');
});

test('clicks find their record: a time bucket, a streak start, a heatmap slot', () => {
  const m = new DashboardModel({ clock });
  m.apply(encodeBatch(located([base(10, { severity: 'Low' }), base(11, { severity: 'Critical' }), base(12), { ...base(20), kind: 'missed_slot', slot: 777 }])));
  assert.equal(m.recordInTime(T0, T0 + 10_000)?.block, 11, 'most severe in the bucket');
  assert.equal(m.recordAtBlock(10)?.line, 1);
  assert.equal(m.recordInSlot(777)?.block, 20);
  assert.equal(m.recordInSlot(778), undefined);
  const r = m.recordInSlot(Math.floor((base(12).expected_timestamp - T0) / 12));
  assert.equal(r?.block, 12, 'a record without a slot sits at its expected time');
  assert.equal(r?.file, FILE);
  assert.equal(r?.line, 3);
});
