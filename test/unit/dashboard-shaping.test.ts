import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DashboardModel } from '../../src/common/dashboard/model';
import { CELL, cellStateOf, columnOf, epochOf, inferClock, slotOf } from '../../src/common/dashboard/heatmap';
import { RECOVERY_EDGES_MS, recoveryBucket, recoveryBucketLabel } from '../../src/common/dashboard/histogram';
import { bucketWidth, SecondCounts } from '../../src/common/dashboard/timeline';
import { matcher, sanitizeView } from '../../src/common/dashboard/viewFilter';
import { decodeRow, encodeBatch, recoveryMsOf } from '../../src/common/dashboard/wire';
import { cellAt, cellOrigin, HEATMAP, PITCH, visibleRows } from '../../src/webview/heatmapLayout';
import { base, T0 } from '../helpers/dashboardRecords';

const clock = { slotSeconds: 12, genesis: T0 };
const at = (records: Parameters<typeof encodeBatch>[0]) => encodeBatch(records);

test('heatmap: a record sits in its own slot, else the slot its block was expected in; 32 slots an epoch', () => {
  assert.equal(slotOf({ slot: 65, expected: 0 }, clock), 65);
  assert.equal(slotOf({ slot: -1, expected: T0 + 12 * 65 + 11 }, clock), 65);
  assert.equal(slotOf({ slot: -1, expected: T0 - 1 }, clock), -1, 'before genesis');
  assert.equal(epochOf(63), 1);
  assert.equal(epochOf(64), 2);
  assert.equal(columnOf(65), 1);
  assert.equal(epochOf(-1), -1);
  assert.equal(columnOf(-1), 31);
  assert.deepEqual(inferClock(12, [{ slot: -1, expected: 5 }, { slot: 10, expected: T0 + 120 + 3 }]), { slotSeconds: 12, genesis: T0 + 3 });
  assert.deepEqual(inferClock(0, []), { slotSeconds: 12, genesis: 0 }, 'no slot length: the default 12 s');
});

test('heatmap: a cell shows the worst of its records (missed > reorg > delayed > recovered)', () => {
  assert.equal(cellStateOf({ kind: 0, recovered: false }), CELL.missed);
  assert.equal(cellStateOf({ kind: 2, recovered: false }), CELL.missed);
  assert.equal(cellStateOf({ kind: 1, recovered: false }), CELL.delayed);
  assert.equal(cellStateOf({ kind: 0, recovered: true }), CELL.recovered);
  assert.equal(cellStateOf({ kind: 3, recovered: true }), CELL.reorg);
  const m = new DashboardModel({ clock });
  const file = 'f';
  const slot = 64 + 5; // epoch 2, column 5
  m.apply(at([{ record: { ...base(1), kind: 'delayed', slot }, file, line: 1 }, { record: { ...base(2), kind: 'missed_slot', slot: slot + 1 }, file, line: 2 }]));
  let rows = m.view().heatmap.rows;
  assert.equal(rows.length, 1);
  assert.equal(rows[0].epoch, 2);
  assert.equal(rows[0].cells[5], CELL.delayed);
  assert.equal(rows[0].cells[6], CELL.missed);
  assert.equal(rows[0].cells.filter((c) => c !== 0).length, 2);
  m.apply(at([{ record: { ...base(3), kind: 'reorg', slot }, file, line: 3 }]));
  assert.equal(m.view().heatmap.rows[0].cells[5], CELL.reorg, 'two records, one cell: the worse wins');
  m.apply(at([{ record: { ...base(2), kind: 'missed_slot', slot: slot + 1, recovered: true }, file, line: 4 }]));
  rows = m.view().heatmap.rows;
  assert.equal(rows[0].cells[6], CELL.recovered, 'a rewrite recolours the cell');
  m.apply(at([{ record: { ...base(9), kind: 'gap', slot: 32 * 7 }, file, line: 5 }]));
  assert.deepEqual(m.view().heatmap.rows.map((r) => r.epoch), [7, 2], 'newest epoch first');
  const capped = new DashboardModel({ clock, maxEpochs: 1 });
  capped.apply(at([{ record: { ...base(1), slot: 0 }, file, line: 1 }, { record: { ...base(2), slot: 100 }, file, line: 2 }]));
  assert.deepEqual(capped.view().heatmap, { rows: [{ epoch: 3, cells: capped.view().heatmap.rows[0].cells }], totalRows: 2 });
});

test('recovery histogram: bucket edges are inclusive below, exclusive above; the last is open', () => {
  assert.equal(recoveryBucket(0), 0);
  assert.equal(recoveryBucket(999), 0);
  assert.equal(recoveryBucket(1000), 1);
  assert.equal(recoveryBucket(4999), 2);
  assert.equal(recoveryBucket(5000), 3);
  assert.equal(recoveryBucket(3_600_000), RECOVERY_EDGES_MS.length - 1);
  assert.equal(recoveryBucket(1e12), RECOVERY_EDGES_MS.length - 1);
  assert.equal(recoveryBucketLabel(0), '<1s');
  assert.equal(recoveryBucketLabel(2), '2s–5s');
  assert.equal(recoveryBucketLabel(6), '1m–2m');
  assert.equal(recoveryBucketLabel(RECOVERY_EDGES_MS.length - 1), '≥1h');
  // Recovery time as report.ts takes it: recovery_ms, else recovered_at − timestamp; only when recovered.
  assert.equal(recoveryMsOf({ ...base(1), recovered: true, recovery_ms: 1500, recovered_at: base(1).timestamp + 99 }), 1500);
  assert.equal(recoveryMsOf({ ...base(1), recovered: true, recovered_at: base(1).timestamp + 7 }), 7000);
  assert.equal(recoveryMsOf({ ...base(1), recovered: true }), -1);
  assert.equal(recoveryMsOf({ ...base(1), recovered: false, recovery_ms: 5 }), -1);
  const m = new DashboardModel({ clock });
  m.apply(at([0, 999, 1000, 60_000, 7_200_000].map((ms, i) => ({ record: { ...base(i * 3), recovered: true, recovery_ms: ms }, file: 'f', line: i + 1 }))));
  const h = m.view().histogram;
  assert.equal(h.labels.length, h.counts.length);
  assert.deepEqual(h.counts, [2, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
});

test('timeline: nice bucket widths, consecutive buckets, stacked by severity', () => {
  assert.equal(bucketWidth(100, 1500), 1);
  assert.equal(bucketWidth(3600 * 24, 1500), 60);
  assert.equal(bucketWidth(86400 * 365, 1500), 21600, "a year: 6 h buckets");
  assert.equal(bucketWidth(86400 * 3650, 1500), 3 * 86400);
  const c = new SecondCounts();
  c.add(120, 0, 1);
  c.add(150, 3, 1);
  c.add(400, 3, 1);
  c.add(400, 3, -1);
  c.add(299, 1, 1);
  const s = c.series(3);
  assert.equal(s.bucketSeconds, 60);
  assert.deepEqual(s.x, [120, 180, 240]);
  assert.deepEqual(s.bySeverity, [[1, 0, 0], [0, 0, 1], [0, 0, 0], [1, 0, 0]]);
  assert.deepEqual(new SecondCounts().series(10).x, []);
});

test('filters: inclusive lists, empty means all, the range is inclusive; unsafe input is made safe', () => {
  const row = decodeRow(at([{ record: base(5, { reason: 'Timeout', severity: 'High', source: 's:1' }), file: 'f', line: 1 }]), 0);
  const m = (filter: object, range: { from: number; to: number } | null = null) => matcher({ filter: { reasons: [], severities: [], sources: [], ...filter }, range })(row);
  assert.ok(m({}));
  assert.ok(m({ reasons: ['Timeout', 'RpcError'] }));
  assert.ok(!m({ reasons: ['RpcError'] }));
  assert.ok(m({ severities: ['High'] }));
  assert.ok(!m({ severities: ['Low'] }));
  assert.ok(m({ sources: ['s:1'] }));
  assert.ok(!m({ sources: [''] }));
  assert.ok(m({}, { from: row.timestamp, to: row.timestamp }));
  assert.ok(!m({}, { from: row.timestamp + 1, to: row.timestamp + 9 }));
  assert.deepEqual(sanitizeView({ filter: { reasons: ['a', 3, null], severities: 'High' }, range: { from: 9, to: 2 } }), {
    filter: { reasons: ['a'], severities: [], sources: [] },
    range: { from: 2, to: 9 },
  });
  assert.deepEqual(sanitizeView('<script>'), { filter: { reasons: [], severities: [], sources: [] }, range: null });
  assert.equal(sanitizeView({ range: { from: 'x', to: 1 } }).range, null);
});

test('heatmap layout: a point maps to its cell, gaps and labels to none', () => {
  assert.equal(cellAt(HEATMAP.label - 1, 5, 3), null, 'label column');
  assert.deepEqual(cellAt(HEATMAP.label, 0, 3), { row: 0, col: 0 });
  assert.deepEqual(cellAt(HEATMAP.label + 5 * PITCH + 3, 2 * PITCH + 3, 3), { row: 2, col: 5 });
  assert.equal(cellAt(HEATMAP.label + HEATMAP.cell, 0, 3), null, 'gap between cells');
  assert.equal(cellAt(HEATMAP.label, 3 * PITCH, 3), null, 'below the last row');
  assert.equal(cellAt(HEATMAP.label + 32 * PITCH, 0, 3), null, 'past column 31');
  const o = cellOrigin(2, 5);
  assert.deepEqual(cellAt(o.x + HEATMAP.cell / 2, o.y + HEATMAP.cell / 2, 3), { row: 2, col: 5 });
  assert.deepEqual(visibleRows(0, 10 * PITCH, 100), { first: 0, last: 10 });
  assert.deepEqual(visibleRows(PITCH * 5 + 3, 10 * PITCH, 12), { first: 5, last: 12 });
});
