import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toLogLine } from '../../src/core/model';
import { isLogName, LogWatcher, type LogChange } from '../../src/extension/logWatcher';
import { rec } from '../helpers/extensionRecords';
import { waitFor } from '../helpers/wait';

function workspace() {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-ext-watch-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

function watcher(roots: string[]) {
  const changes: LogChange[] = [];
  const warnings: string[] = [];
  const w = new LogWatcher({ roots, onChange: (c) => changes.push(c), onWarning: (m) => warnings.push(m), debounceMs: 20 });
  const appended = () => changes.flatMap((c) => c.appended);
  const initial = () => changes.flatMap((c) => c.initial);
  return { w, changes, warnings, appended, initial };
}

const line = (n: number, over = {}) => `${toLogLine(rec(n, over))}\n`;

test('which names are logs', () => {
  assert.ok(isLogName('missed_blocks.jsonl'));
  assert.ok(isLogName('missed_blocks-relay.jsonl'));
  assert.ok(isLogName('node-a.mbl.jsonl'));
  assert.ok(!isLogName('missed_blocks.20250101T000000.jsonl'), 'a rotated part');
  assert.ok(!isLogName('missed_blocks.20250101T000000.jsonl.gz'));
  assert.ok(!isLogName('events.jsonl'));
  // [[chains]] logs are followed; the alert outbox and the risk features beside them are not logs.
  assert.ok(isLogName('missed_blocks.mainnet.jsonl'));
  assert.ok(!isLogName('missed_blocks.mainnet.alerts.outbox.jsonl'));
  assert.ok(!isLogName('missed_blocks.features.jsonl'));
  assert.ok(!isLogName('missed_blocks.mainnet.features.jsonl'));
});

test('finds existing logs and reads what they hold as initial, not as appended', async () => {
  const { dir, done } = workspace();
  mkdirSync(path.join(dir, 'logs'));
  writeFileSync(path.join(dir, 'logs', 'missed_blocks.jsonl'), line(1) + line(2));
  writeFileSync(path.join(dir, 'other.jsonl'), line(3));
  mkdirSync(path.join(dir, 'node_modules', 'x'), { recursive: true });
  writeFileSync(path.join(dir, 'node_modules', 'x', 'missed_blocks.jsonl'), line(4));
  const t = watcher([dir]);
  await t.w.start();
  await waitFor('initial records', () => t.initial().length === 2);
  assert.deepEqual(t.w.files(), [path.join(dir, 'logs', 'missed_blocks.jsonl')]);
  assert.equal(t.appended().length, 0);
  await t.w.dispose();
  done();
});

test('a line another process appends reaches the views, as appended, at its line number', async () => {
  const { dir, done } = workspace();
  const file = path.join(dir, 'relay.mbl.jsonl');
  writeFileSync(file, line(1));
  const t = watcher([dir]);
  try {
    await t.w.start();
    // The append may land while the tailer is still starting (after the worker's read): it is
    // appended all the same, not part of the initial read.
    await waitFor('initial record', () => t.initial().length === 1);
    appendFileSync(file, line(2, { severity: 'Critical' }));
    // A bound, not a pass mark: the append-to-tree latency is measured by the e2e suite's figures.
    await waitFor('the appended record', () => t.appended().length === 1, { timeoutMs: 10_000 });
    const e = t.appended()[0];
    assert.equal(e.record.block_number, 2);
    assert.equal(e.line, 2);
    assert.equal(e.record.severity, 'Critical');
    assert.equal(t.initial().length, 1);
  } finally {
    // Also when an assertion fails: a watcher left open would keep the test process alive.
    await t.w.dispose();
    done();
  }
});

test('a log created after the start is found; invalid lines are counted and reported', async () => {
  const { dir, done } = workspace();
  const t = watcher([dir]);
  await t.w.start();
  mkdirSync(path.join(dir, 'deep', 'er'), { recursive: true });
  const file = path.join(dir, 'deep', 'er', 'missed_blocks_b.jsonl');
  writeFileSync(file, `${line(7)}{"not":"a record"}\n\n`);
  await waitFor('the new log', () => t.w.book.entries(file).length === 1);
  await waitFor('the bad line', () => t.w.book.badLines(file) === 1);
  assert.match(t.warnings.join('\n'), /missed_blocks_b\.jsonl:2: missing required field/);
  await t.w.dispose();
  done();
});

test('rotation: the history stays (without lines), the new file is read from its start', async () => {
  const { dir, done } = workspace();
  const file = path.join(dir, 'missed_blocks.jsonl');
  writeFileSync(file, line(1) + line(2));
  const t = watcher([dir]);
  await t.w.start();
  await waitFor('initial', () => t.w.book.entries(file).length === 2);
  renameSync(file, `${file}.old`);
  writeFileSync(file, line(3));
  await waitFor('the record of the new file', () => t.w.book.entries(file).some((e) => e.record.block_number === 3));
  const byBlock = Object.fromEntries(t.w.book.entries(file).map((e) => [e.record.block_number, e.line]));
  assert.deepEqual(byBlock, { 1: undefined, 2: undefined, 3: 1 });
  await t.w.dispose();
  done();
});

test('a found log that is deleted is forgotten; our own (pinned) log is kept', async () => {
  const { dir, done } = workspace();
  const found = path.join(dir, 'missed_blocks_x.jsonl');
  const own = path.join(dir, 'logs', 'chain.jsonl');
  writeFileSync(found, line(1));
  const t = watcher([dir]);
  await t.w.start();
  await t.w.follow(own, true);
  await waitFor('found', () => t.w.book.entries(found).length === 1);
  assert.ok(t.w.files().includes(own), 'the pinned log shows before it exists');
  rmSync(found);
  await waitFor('forgotten', () => !t.w.files().includes(found), { timeoutMs: 5000 });
  mkdirSync(path.dirname(own));
  writeFileSync(own, line(9));
  await waitFor('own log read once it appears', () => t.w.book.entries(own).length === 1);
  await t.w.dispose();
  done();
});
