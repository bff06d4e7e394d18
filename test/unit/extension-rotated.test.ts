// One reading rule for every view: the tree reads a log's rotated .gz siblings as `mbm report`
// does. Fixture: test/fixtures/logs/rotated (README there gives the expected figures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildReportAsync } from '../../src/core/report';
import { LogWatcher } from '../../src/extension/logWatcher';
import { summarize } from '../../src/extension/model/summary';
import { buildTree, type TreeNode } from '../../src/extension/model/treeModel';
import { readRecordBatches } from '../../src/node/log/reader';
import { formatReportText } from '../../src/node/reportText';
import { entriesOf, rec, T0 } from '../helpers/extensionRecords';
import { waitFor } from '../helpers/wait';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'logs', 'rotated');
const opts = { alertThreshold: 3, restricted: false, time: { locale: 'en-GB', timeZone: 'UTC' } };

function rotatedWorkspace(): { dir: string; log: string; done(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-rotated-'));
  const log = path.join(dir, 'missed_blocks.jsonl');
  writeFileSync(path.join(dir, 'missed_blocks.20260101T000000.jsonl.gz'), gzipSync(readFileSync(path.join(FIXTURE, 'rotated-part.jsonl'))));
  copyFileSync(path.join(FIXTURE, 'missed_blocks.jsonl'), log);
  return { dir, log, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const find = (nodes: readonly TreeNode[] | undefined, label: string) => nodes?.find((n) => n.label === label);

test('the tree counts a log and its rotated .gz sibling: 8 records, as `mbm report` does', async () => {
  const ws = rotatedWorkspace();
  const w = new LogWatcher({ roots: [ws.dir], onChange: () => undefined, debounceMs: 20 });
  try {
    await w.start();
    await waitFor('the active file and the rotated part read', () => w.book.entries(ws.log).length === 8);
    const entries = w.book.entries(ws.log);
    assert.deepEqual(w.files(), [ws.log], 'the .gz is part of the log, not a log of its own');
    assert.deepEqual(entries.map((e) => e.record.block_number).sort((a, b) => a - b), [10, 11, 12, 20, 30, 40, 41, 50]);
    // The rewrite of #12 in the active file replaces the rotated copy and points at its line.
    const e12 = entries.find((e) => e.record.block_number === 12)!;
    assert.equal(e12.record.recovered, true);
    assert.equal(e12.line, 1);
    assert.equal(entries.find((e) => e.record.block_number === 10)!.line, undefined, 'rotated records have no line');

    const summary = summarize(entries, { alertThreshold: 3, now: T0 });
    const roots = buildTree([{ view: { file: ws.log, displayName: 'missed_blocks.jsonl', badLines: 0 }, entries, summary }], opts);
    const sev = find(roots, 'By Severity')!.children!;
    assert.deepEqual(sev.map((n) => [n.label, n.description]), [['Critical', '2'], ['High', '3'], ['Medium', '1'], ['Low', '2']]);
    assert.equal(find(find(roots, 'Status')!.children, 'Recovered')!.description, '12.50% (1 of 8)');
    assert.equal(find(find(roots, 'Status')!.children, 'Longest streak')!.description, '3');
    const streaks = find(roots, 'Streaks')!;
    assert.equal(streaks.description, '2');
    assert.deepEqual(streaks.children!.map((n) => n.label), ['#40–#41', '#10–#12']);

    // The CLI's reading of the same path: the same totals.
    const report = await buildReportAsync(readRecordBatches(ws.log));
    assert.equal(report.total_missed, 8);
    assert.equal(report.recovered, 1);
    assert.deepEqual({ ...report.by_severity }, { Low: 2, Medium: 1, High: 3, Critical: 2 });
    assert.equal(report.longest_streak, 3);
  } finally {
    await w.dispose();
    ws.done();
  }
});

test('the report text lists only runs of 2 or more, like the tree', async () => {
  const ws = rotatedWorkspace();
  try {
    const text = formatReportText(await buildReportAsync(readRecordBatches(ws.log)));
    const listed = text.split('\n').filter((l) => /^\s+#\d/.test(l)).map((l) => l.trim().split(/\s+/)[0]);
    assert.deepEqual(listed, ['#10–#12', '#40–#41']);
    assert.match(text, /Longest streaks \(runs of 2\+ consecutive blocks\)/);
  } finally {
    ws.done();
  }
});

test('Recent: two missed slots of one block say which slot, and when', () => {
  const FILE = '/ws/missed_blocks.jsonl';
  // slot 40 expected at T0 + 480 (22:21:20 UTC), slot 41 at T0 + 492 (22:21:32 UTC).
  const entries = entriesOf(FILE, [
    rec(55, { kind: 'missed_slot', slot: 40, severity: 'High', reason: 'Unknown', expected_timestamp: T0 + 480 }),
    rec(55, { kind: 'missed_slot', slot: 41, severity: 'High', reason: 'Unknown', expected_timestamp: T0 + 492 }),
  ]);
  const roots = buildTree([{ view: { file: FILE, displayName: 'x', badLines: 0 }, entries, summary: summarize(entries, { alertThreshold: 3, now: T0 }) }], opts);
  const recent = find(roots, 'Recent')!.children!;
  assert.deepEqual(recent.map((n) => n.ariaLabel), [
    'Block 55: missed_slot slot 41 at 22:21:32 UTC · High · Unknown',
    'Block 55: missed_slot slot 40 at 22:21:20 UTC · High · Unknown',
  ]);
});
