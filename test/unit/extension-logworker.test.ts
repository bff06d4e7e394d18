// The log worker reads a whole log off the extension host's thread: its totals must be exactly
// `mbm report`'s for the same files, and a host that keeps only the newest records must say so.
// Input: 50,000 lines from bench/gen-log.mjs (seed 7): the first 20,000 in a rotated .gz part,
// the other 30,000 in the active file. The expected figures below were pinned once from
// `mbm report --json` on those two files (47,441 distinct records after collapsing rewrites).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { LogWatcher } from '../../src/extension/logWatcher';
import { summarize } from '../../src/extension/model/summary';
import { buildTree, type TreeNode } from '../../src/extension/model/treeModel';
import { LogLoader } from '../../src/extension/worker/logLoader';
import { waitFor } from '../helpers/wait';

const opts = { alertThreshold: 3, restricted: false, time: { locale: 'en-GB', timeZone: 'UTC' } };
const find = (nodes: readonly TreeNode[] | undefined, label: string) => nodes?.find((n) => n.label === label);

async function workspace(): Promise<{ dir: string; log: string; done(): void }> {
  // @ts-expect-error plain ESM without types (the benchmarks' generator)
  const { generateLines } = (await import('../../bench/gen-log.mjs')) as { generateLines(n: number, o: { seed: number }): Iterable<string> };
  const lines = [...generateLines(50_000, { seed: 7 })];
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-worker-'));
  const log = path.join(dir, 'missed_blocks.jsonl');
  writeFileSync(path.join(dir, 'missed_blocks.20260101T000000.jsonl.gz'), gzipSync(lines.slice(0, 20_000).join('\n') + '\n'));
  writeFileSync(log, lines.slice(20_000).join('\n') + '\n');
  return { dir, log, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const line = (block: number, recovered: boolean) =>
  JSON.stringify({
    timestamp: 1711140700, block_number: block, reason: 'NetworkLatency', severity: recovered ? 'Low' : 'High',
    expected_timestamp: 1711140648, actual_timestamp: 1711140691, recovery_attempts: recovered ? 1 : 0, recovered,
    metadata: {}, alert_sent: false, kind: 'gap', chain_id: 1,
  }) + '\n';

test('the worker reads 50,000 lines (a .gz part and the active file): totals equal `mbm report`, the newest 1,000 come back with their lines', async () => {
  const ws = await workspace();
  const loader = new LogLoader({ onTotals: () => undefined, onError: (m) => assert.fail(m) });
  try {
    const r = await loader.load(ws.log, 1000);
    const rep = r.totals.report;
    assert.equal(r.totals.records, 47441);
    assert.equal(rep.total_missed, 47441);
    assert.equal(rep.recovered, 2559);
    assert.equal(rep.recovery_rate, 5.39);
    assert.equal(rep.longest_streak, 37);
    assert.equal(rep.current_streak, 5);
    assert.deepEqual(rep.by_severity, { Low: 2559, Medium: 14529, High: 30353, Critical: 0 });
    assert.deepEqual(rep.by_kind, { gap: 26216, delayed: 14151, missed_slot: 4672, reorg: 2402, payload_missed: 0, tx_missed: 0, chain_reset: 0 });
    assert.equal(rep.by_reason.NetworkLatency, 17895);
    assert.equal(rep.by_reason.Unknown, 8307);
    assert.equal(rep.first_block, 19000001);
    assert.equal(rep.last_block, 19254528);
    assert.equal(rep.avg_recovery_ms, 21780);
    assert.deepEqual(rep.streaks[0], { from_block: 19012574, to_block: 19012610, length: 37, started_at: 1710060777, ended_at: 1710061561, recovered: 0 });
    assert.equal(r.window.length, 1000);
    assert.deepEqual([r.window.at(-1)!.line, r.window.at(-1)!.record.block_number], [30000, 19254528]);
    assert.equal(r.window[0].line, 29001);
    assert.deepEqual([r.offset, r.lines], [9225898, 30000]);
  } finally {
    await loader.dispose();
    ws.done();
  }
});

test('the host keeps the newest 1,000 of 47,441 and says so; appends update the whole-log totals', async () => {
  const ws = await workspace();
  const w = new LogWatcher({ roots: [ws.dir], onChange: () => undefined, debounceMs: 20, window: 1000 });
  try {
    await w.start();
    await waitFor('the worker read the log', () => w.book.totals(ws.log)?.records === 47441, { timeoutMs: 30_000 });
    assert.deepEqual(w.book.window(ws.log), { shown: 1000, total: 47441 });
    assert.equal(w.book.entries(ws.log).length, 1000);
    const tree = () => {
      const entries = w.book.entries(ws.log);
      const summary = summarize(entries, { alertThreshold: 3, whole: { totals: w.book.totals(ws.log)!, window: w.book.window(ws.log)! } });
      return buildTree([{ view: { file: ws.log, displayName: 'missed_blocks.jsonl', badLines: 0 }, entries, summary }], opts);
    };
    let status = find(tree(), 'Status')!.children;
    assert.equal(find(status, 'Records shown')!.description, 'newest 1,000 of 47,441');
    assert.equal(find(status, 'Recovered')!.description, '5.39% (2559 of 47441)');
    assert.equal(find(status, 'Longest streak')!.description, '37');
    assert.deepEqual(find(tree(), 'By Severity')!.children!.map((n) => [n.label, n.description]), [['Critical', '0'], ['High', '30353'], ['Medium', '14529'], ['Low', '2559']]);

    // A rewrite of the last record (now recovered) and a new record: +1 distinct, +1 recovered.
    appendFileSync(ws.log, line(19254528, true) + line(19254530, false));
    await waitFor('the worker counted the appends', () => w.book.totals(ws.log)?.records === 47442 && w.book.totals(ws.log)?.report.recovered === 2560);
    const newest = w.book.entries(ws.log).find((e) => e.record.block_number === 19254530)!;
    assert.equal(newest.line, 30002);
    status = find(tree(), 'Status')!.children;
    assert.equal(find(status, 'Records shown')!.description, 'newest 1,000 of 47,442');
    assert.equal(find(status, 'Recovered')!.description, '5.40% (2560 of 47442)');
  } finally {
    await w.dispose();
    ws.done();
  }
});

test('a log the window holds whole shows no window row; a line still being written is left to the tailer', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-worker-'));
  const log = path.join(dir, 'missed_blocks.jsonl');
  const third = line(12, false);
  writeFileSync(log, line(10, false) + line(11, false) + third.slice(0, 40));
  const w = new LogWatcher({ roots: [dir], onChange: () => undefined, debounceMs: 20, window: 1000 });
  try {
    await w.start();
    await waitFor('two complete lines read', () => w.book.totals(log)?.records === 2);
    assert.equal(statSync(log).size > 0, true);
    assert.equal(w.book.window(log), undefined);
    appendFileSync(log, third.slice(40));
    await waitFor('the finished third line', () => w.book.entries(log).length === 3);
    assert.equal(w.book.entries(log).find((e) => e.record.block_number === 12)!.line, 3);
    assert.equal(w.book.badLines(log), 0);
    const entries = w.book.entries(log);
    const roots = buildTree([{ view: { file: log, displayName: 'missed_blocks.jsonl', badLines: 0 }, entries, summary: summarize(entries, { alertThreshold: 3 }) }], opts);
    assert.equal(find(find(roots, 'Status')!.children, 'Records shown'), undefined);
  } finally {
    await w.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
