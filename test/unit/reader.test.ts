import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { LogReadError, readLog, resolveLogFiles, type BadLine, type LogEntry, type ReadLogOptions } from '../../src/node/log/reader';
import { toLogLine } from '../../src/core/model';

const fixtures = path.join(__dirname, '..', 'fixtures', 'logs');
const fx = (name: string) => path.join(fixtures, name);

async function read(paths: string | string[], opts: ReadLogOptions = {}) {
  const bad: BadLine[] = [];
  const entries: LogEntry[] = [];
  for await (const e of readLog(paths, { ...opts, onBadLine: (b) => bad.push(b) })) entries.push(e);
  return { entries, bad };
}

test("the seed's example line reads back and serialises byte for byte", async () => {
  const line = readFileSync(fx('seed-example.jsonl'), 'utf8').trimEnd();
  const { entries, bad } = await read(fx('seed-example.jsonl'));
  assert.deepEqual(bad, []);
  assert.equal(entries.length, 1);
  assert.equal(entries[0].line, 1);
  assert.equal(entries[0].file, fx('seed-example.jsonl'));
  assert.equal(toLogLine(entries[0].record), line);
});

test('CRLF line ends, unicode metadata (raw and \\u-escaped) and a blank line', async () => {
  const { entries, bad } = await read(fx('crlf-unicode.jsonl'));
  assert.deepEqual(bad, []);
  assert.deepEqual(entries.map((e) => e.line), [1, 3]);
  assert.equal(entries[0].record.metadata.note, 'Zürich → 東京 🚀');
  assert.equal(entries[1].record.metadata.note, 'ünïcödé "quoted" \\ back');
  assert.equal(entries[1].record.source, 'ws-é');
});

test('a BOM and a missing final newline do not lose or break a record', async () => {
  const { entries, bad } = await read(fx('bom-no-final-newline.jsonl'));
  assert.deepEqual(bad, []);
  assert.deepEqual(entries.map((e) => e.record.block_number), [7, 8]);
});

test('collapse keeps only the last record of each (block_number, kind), at the position of its first; kind in metadata does not count', async () => {
  const { entries } = await read(fx('repeated-records.jsonl'));
  // Lines 1, 3 and 5 are one gap record of #42: its last version (line 5) comes first, where line 1 was.
  assert.deepEqual(
    entries.map((e) => [e.line, e.record.block_number, e.record.kind ?? 'gap', e.record.recovery_attempts]),
    [
      [5, 42, 'gap', 2],
      [2, 42, 'delayed', 0],
      [4, 43, 'gap', 0],
    ],
  );
  assert.equal(entries[0].record.recovered, true);
  const all = await read(fx('repeated-records.jsonl'), { collapse: false });
  assert.equal(all.entries.length, 5);
});

test('collapse works across a rotated .gz sibling and the active log, reading the sibling first', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-reader-'));
  const lines = readFileSync(fx('repeated-records.jsonl'), 'utf8').split('\n');
  writeFileSync(path.join(dir, 'missed_blocks.20240101T000000.jsonl.gz'), gzipSync(`${lines[0]}\n${lines[3]}\n`));
  writeFileSync(path.join(dir, 'missed_blocks.jsonl'), `${lines[4]}\n`);
  const active = path.join(dir, 'missed_blocks.jsonl');
  const { entries } = await read(active);
  assert.deepEqual(
    entries.map((e) => [path.basename(e.file), e.line, e.record.block_number, e.record.recovered]),
    [
      ['missed_blocks.jsonl', 1, 42, true], // first written in the rotated file, before #43
      ['missed_blocks.20240101T000000.jsonl.gz', 2, 43, false],
    ],
  );
  // The same file named twice is read once.
  assert.deepEqual(await resolveLogFiles([active, active]), [path.join(dir, 'missed_blocks.20240101T000000.jsonl.gz'), active]);
});

test('unknown fields are kept and written back', async () => {
  const { entries } = await read(fx('unknown-fields.jsonl'));
  const r = entries[0].record;
  assert.deepEqual(r.extra, { relay_id: 'r-7', tags: ['a', 'b'], nested: { x: 1 } });
  assert.deepEqual(JSON.parse(toLogLine(r)), JSON.parse(readFileSync(fx('unknown-fields.jsonl'), 'utf8')));
});

test('blank lines are skipped silently; a bad line is reported with its number and reading goes on', async () => {
  const { entries, bad } = await read(fx('blank-and-bad.jsonl'));
  assert.deepEqual(entries.map((e) => [e.line, e.record.block_number]), [
    [1, 1001],
    [6, 1003],
  ]);
  assert.equal(bad.length, 1);
  assert.equal(bad[0].line, 5);
  assert.equal(bad[0].file, fx('blank-and-bad.jsonl'));
  assert.match(bad[0].message, /block_number/);
});

test('a torn rewrite of a record does not hide the good record before it', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-reader-'));
  const good = readFileSync(fx('seed-example.jsonl'), 'utf8').trimEnd();
  const p = path.join(dir, 'torn.jsonl');
  // Same key, but the second copy lost its tail (crash mid-write) or has a wrong enum.
  writeFileSync(p, `${good}\n${good.slice(0, 120)}\n${good.replace('"Medium"', '"Mediu"')}\n`);
  const { entries, bad } = await read(p);
  assert.deepEqual(entries.map((e) => e.line), [1]);
  assert.deepEqual(bad.map((b) => b.line), [2, 3]);
});

test('a superseded record that is itself bad is still reported', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-reader-'));
  const good = readFileSync(fx('seed-example.jsonl'), 'utf8').trimEnd();
  const p = path.join(dir, 'bad-then-good.jsonl');
  writeFileSync(p, `${good.replace('"Medium"', '"Mediu"')}\n${good}\n`);
  const { entries, bad } = await read(p);
  assert.deepEqual(entries.map((e) => e.line), [2]);
  assert.deepEqual(bad.map((b) => b.line), [1]);
});

test('filters apply after collapsing: an old version of a record never matches', async () => {
  const high = await read(fx('repeated-records.jsonl'), { filter: (r) => r.severity === 'High' });
  assert.deepEqual(high.entries.map((e) => e.line), [4]);
});

test('an unreadable file fails before anything is yielded, naming the file', async () => {
  const missing = path.join(tmpdir(), 'mbm-no-such-dir', 'missed_blocks.jsonl');
  let yielded = 0;
  await assert.rejects(
    (async () => {
      for await (const _ of readLog([fx('seed-example.jsonl'), missing])) yielded++;
    })(),
    (e: unknown) => e instanceof LogReadError && e.file === missing && /no such file/.test(e.message),
  );
  assert.equal(yielded, 0);
});

test('progress reaches the total over both passes', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-reader-'));
  const p = path.join(dir, 'p.jsonl');
  copyFileSync(fx('repeated-records.jsonl'), p);
  const seen: [number, number][] = [];
  await read(p, { onProgress: (d, t) => seen.push([d, t]) });
  const size = readFileSync(p).length;
  assert.deepEqual(seen.at(-1), [2 * size, 2 * size]);
});
