import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, appendFileSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LogTailer, lastLines } from '../../src/node/log/tailer';
import { waitFor } from '../helpers/wait';

function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-tail-'));
  const file = path.join(dir, 'missed_blocks.jsonl');
  return { dir, file, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('reads only appended lines, with line numbers continuing from the existing file', async () => {
  const { file, done } = setup();
  writeFileSync(file, 'one\ntwo\n');
  const seen: [string, number][] = [];
  const t = new LogTailer(file, { onLine: (l, n) => seen.push([l, n]) });
  await t.start();
  appendFileSync(file, 'three\r\nfour\n');
  await waitFor('two appended lines', () => seen.length === 2);
  assert.deepEqual(seen, [['three', 3], ['four', 4]]);
  await t.stop();
  done();
});

test('a line written in two parts, split inside a multi-byte character, arrives once and intact', async () => {
  const { file, done } = setup();
  writeFileSync(file, '');
  const seen: string[] = [];
  const t = new LogTailer(file, { onLine: (l) => seen.push(l) });
  await t.start();
  const bytes = Buffer.from('{"metadata":{"note":"ブロック €"}}\n');
  const cut = bytes.indexOf(Buffer.from('ロ')) + 1; // in the middle of a 3-byte character
  appendFileSync(file, bytes.subarray(0, cut));
  await t.poll();
  assert.equal(seen.length, 0, 'an unterminated line is not delivered');
  appendFileSync(file, bytes.subarray(cut));
  await waitFor('the completed line', () => seen.length === 1);
  assert.equal(seen[0], '{"metadata":{"note":"ブロック €"}}');
  await t.stop();
  done();
});

test('follows the new file after rotation (rename away, new file created)', async () => {
  const { file, done } = setup();
  writeFileSync(file, 'a\n');
  const seen: [string, number][] = [];
  const resets: string[] = [];
  const t = new LogTailer(file, { onLine: (l, n) => seen.push([l, n]), onReset: (w) => resets.push(w) });
  await t.start();
  appendFileSync(file, 'b\n');
  await waitFor('b', () => seen.length === 1);
  renameSync(file, `${file}.old`);
  writeFileSync(file, 'c\n');
  await waitFor('c from the new file', () => seen.some(([l]) => l === 'c'));
  appendFileSync(file, 'd\n');
  await waitFor('d', () => seen.some(([l]) => l === 'd'));
  assert.deepEqual(seen, [['b', 2], ['c', 1], ['d', 2]]);
  assert.ok(resets.length >= 1);
  await t.stop();
  done();
});

test('lastLines returns the last n complete lines and their numbers', async () => {
  const { file, done } = setup();
  const lines = Array.from({ length: 5000 }, (_, i) => `line-${i + 1}-${'x'.repeat(40)}`);
  writeFileSync(file, `${lines.join('\n')}\npartial`);
  const r = await lastLines(file, 3);
  assert.deepEqual(r.lines, lines.slice(-3));
  assert.equal(r.firstLineNo, 4998);
  done();
});
