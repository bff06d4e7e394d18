// A big log's dashboard is aggregated in the log worker (worker/dashView.ts) from the columns it
// keeps, not by the webview's DashboardModel from every record: both must draw the same numbers.
// Input: 50,000 lines from bench/gen-log.mjs (seed 7), the first 20,000 in a rotated .gz part —
// the log the worker test pins against `mbm report` (47,441 distinct records, 2,559 recovered,
// longest streak 37).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { inferClock } from '../../src/common/dashboard/heatmap';
import { DashboardModel } from '../../src/common/dashboard/model';
import { defaultView, type ViewSettings } from '../../src/common/dashboard/viewFilter';
import { BatchWriter, encodeBatch } from '../../src/common/dashboard/wire';
import { readLogBatches } from '../../src/node/log/reader';
import type { MissedBlock } from '../../src/core/model';
import { LogLoader } from '../../src/extension/worker/logLoader';

async function workspace(): Promise<{ log: string; done(): void }> {
  // @ts-expect-error plain ESM without types (the benchmarks' generator)
  const { generateLines } = (await import('../../bench/gen-log.mjs')) as { generateLines(n: number, o: { seed: number }): Iterable<string> };
  const lines = [...generateLines(50_000, { seed: 7 })];
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-dashview-'));
  const log = path.join(dir, 'missed_blocks.jsonl');
  writeFileSync(path.join(dir, 'missed_blocks.20260101T000000.jsonl.gz'), gzipSync(lines.slice(0, 20_000).join('\n') + '\n'));
  writeFileSync(log, lines.slice(20_000).join('\n') + '\n');
  return { log, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The webview's way: every record to the model (as the live feed sends them). */
async function webviewModel(log: string, slotSeconds: number): Promise<DashboardModel> {
  const w = new BatchWriter();
  for await (const batch of readLogBatches(log, { collapse: false })) for (const e of batch) w.put(e);
  const b = w.finish();
  const clock = inferClock(slotSeconds, Array.from(b.slot, (slot, i) => ({ slot, expected: b.expected[i] })));
  // Streak bars for listed streaks only, as the worker draws a big log.
  const m = new DashboardModel({ clock, listedStreaksOnly: true });
  m.apply(b);
  return m;
}

test('the worker aggregates a 50,000-line log into the same view as the webview model, with and without a filter; picks name the same line', async () => {
  const ws = await workspace();
  const loader = new LogLoader({ onTotals: () => undefined, onError: (m) => assert.fail(m) });
  try {
    await loader.load(ws.log, 100);
    const model = await webviewModel(ws.log, 12);
    const { view, clock } = await loader.view(defaultView(), 12);
    assert.deepEqual(clock, model.options.clock);
    assert.equal(view.held, 47441);
    assert.equal(view.headline.total, 47441);
    assert.equal(view.headline.recovered, 2559);
    assert.equal(view.headline.longestStreak, 37);
    // The worker sends streak bars as typed arrays (binary on the wire): compared as plain arrays.
    const plain = (v: typeof view) => {
      const { recent: _r, streaks: s, ...rest } = v;
      return { ...rest, streaks: Object.fromEntries(Object.entries(s).map(([k, a]) => [k, Array.from(a as ArrayLike<unknown>)])) };
    };
    const same = (a: typeof view, b: typeof view) => assert.deepEqual(plain(a), plain(b));
    same(view, model.view());
    assert.ok(Array.from(view.streaks.length).every((n) => n >= 2), 'bars for listed streaks only');
    const filtered: ViewSettings = { filter: { reasons: ['Timeout', 'RpcError'], severities: ['High'], sources: [] }, range: { from: 1710500000, to: 1711000000 } };
    model.setView(filtered);
    const f = await loader.view(filtered, 12);
    assert.ok(f.view.shown > 0 && f.view.shown < 47441, `${f.view.shown} shown`);
    same(f.view, model.view());
    // The newest records in the table: those of the active file, newest first, matching the filter.
    const all = await loader.view(defaultView(), 12);
    assert.equal(all.view.recent.length, 50);
    assert.equal(all.view.recent[0].line, 30000);
    // The log's head (its checkpoint) past the last record ends the current streak, either way.
    assert.equal(all.view.headline.currentStreak, 5);
    const moved = await loader.view(defaultView(), 12, 19254528 + 5);
    model.setView(defaultView());
    model.setHead(19254528 + 5);
    assert.equal(moved.view.headline.currentStreak, 0);
    same(moved.view, model.view());
    model.setHead(undefined);
    // A click on the heatmap cell of the newest missed slot opens the same line either way.
    model.setView(defaultView());
    const slot = Math.max(...model.view().heatmap.rows[0].cells.map((c, i) => (c > 0 ? model.view().heatmap.rows[0].epoch * 32 + i : -1)));
    const expected = model.recordInSlot(slot)!;
    assert.ok(expected.line > 0);
    assert.equal(await loader.pick(defaultView(), 12, { what: 'slot', slot }), expected.line);
  } finally {
    await loader.dispose();
    ws.done();
  }
});

test('a streak chart of more than 5,000 streaks shows the longest of each of 5,000 time slices', () => {
  // 12,000 streaks of 2 missed blocks (blocks 3k, 3k+1), one per minute; every 1,000th is 9 long.
  const records: MissedBlock[] = [];
  for (let k = 0; k < 12_000; k++) {
    const len = k % 1000 === 500 ? 9 : 2;
    for (let j = 0; j < len; j++) records.push({ timestamp: 1_700_000_000 + k * 60 + j, block_number: 1_000_000 + k * 20 + j, reason: 'Timeout', severity: 'High', expected_timestamp: 1_700_000_000 + k * 60, actual_timestamp: 1_700_000_000 + k * 60, recovery_attempts: 0, recovered: false, metadata: {}, alert_sent: false, kind: 'gap' as const });
  }
  const m = new DashboardModel({ clock: { slotSeconds: 12, genesis: 0 } });
  m.apply(encodeBatch(records.map((record, i) => ({ record, file: 'x', line: i + 1 }))));
  const v = m.view();
  assert.equal(v.headline.longestStreak, 9);
  assert.ok(v.streaks.length.length <= 5000 && v.streaks.length.length > 4000, `${v.streaks.length.length} bars`);
  assert.equal(v.streaks.length.filter((n) => n === 9).length, 12, 'every 9-long streak kept');
});
