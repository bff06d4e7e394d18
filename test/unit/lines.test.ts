import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { lineBatches, openLineSource, readLines, type LineOptions } from '../../src/node/log/lines';

const dir = mkdtempSync(path.join(tmpdir(), 'mbm-lines-'));
let n = 0;
function file(content: string | Buffer, name = `f${n++}.jsonl`): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

async function all(p: string, opts: LineOptions = {}) {
  const out: { line: number; text: string; overlong?: number }[] = [];
  for await (const l of readLines(p, opts)) out.push(l);
  return out;
}

test('splits on \\n, strips one trailing \\r, numbers lines from 1, keeps a last line without newline', async () => {
  const got = await all(file('a\r\nb\n\nc\r\r\nlast'));
  assert.deepEqual(got, [
    { line: 1, text: 'a' },
    { line: 2, text: 'b' },
    { line: 3, text: '' },
    { line: 4, text: 'c\r' },
    { line: 5, text: 'last' },
  ]);
});

test('multi-byte UTF-8 characters cut by every possible read boundary decode intact', async () => {
  const text = 'Zürich → 東京 🚀\nété\n🚀🚀🚀\n';
  const p = file(text);
  // Every read size from 1 byte up puts a boundary inside each multi-byte character at least once.
  for (let chunkBytes = 1; chunkBytes <= 9; chunkBytes++) {
    const got = await all(p, { chunkBytes });
    assert.deepEqual(
      got.map((l) => l.text),
      ['Zürich → 東京 🚀', 'été', '🚀🚀🚀'],
      `chunkBytes ${chunkBytes}`,
    );
  }
});

test('a UTF-8 BOM is stripped from line 1 only, even when it arrives split across reads', async () => {
  const bom = '\uFEFF';
  for (const chunkBytes of [1, 2, 3, 1 << 20]) {
    const got = await all(file(`${bom}{"a":1}\n${bom}x\n`), { chunkBytes });
    assert.deepEqual(got.map((l) => l.text), ['{"a":1}', `${bom}x`], `chunkBytes ${chunkBytes}`);
  }
  assert.deepEqual((await all(file(`${bom}only`))).map((l) => l.text), ['only']);
});

test('lines over the limit are reported with their length, without being buffered, inside one read or across many', async () => {
  const long = 'x'.repeat(100);
  const p = file(`ok\n${long}\r\nfine\n${long}`);
  for (const chunkBytes of [7, 32, 1 << 20]) {
    const got = await all(p, { maxLineBytes: 50, chunkBytes });
    assert.deepEqual(
      got,
      [
        { line: 1, text: 'ok' },
        { line: 2, text: '', overlong: 101 },
        { line: 3, text: 'fine' },
        { line: 4, text: '', overlong: 100 },
      ],
      `chunkBytes ${chunkBytes}`,
    );
  }
});

test('a line exactly at the limit is kept', async () => {
  const got = await all(file(`${'y'.repeat(50)}\n`), { maxLineBytes: 50, chunkBytes: 8 });
  assert.deepEqual(got, [{ line: 1, text: 'y'.repeat(50) }]);
});

test('gzip files are recognised by content and decompressed, including concatenated members', async () => {
  const gz = Buffer.concat([gzipSync('one\r\ntwo\n'), gzipSync('three\nfour')]);
  const p = file(gz, 'rotated.jsonl.gz');
  assert.deepEqual((await all(p)).map((l) => l.text), ['one', 'two', 'three', 'four']);
  const misnamed = file(gzipSync('still gzip\n'), 'plain-name.jsonl');
  assert.deepEqual((await all(misnamed)).map((l) => l.text), ['still gzip']);
});

test('a corrupt gzip stream is an error, not silently fewer lines', async () => {
  const gz = gzipSync('a\nb\nc\n'.repeat(1000));
  const p = file(gz.subarray(0, gz.length - 20), 'torn.jsonl.gz');
  await assert.rejects(all(p), /unexpected end of file|incorrect/i);
});

test('a source reads the size it had when opened, so two passes agree while a writer appends', async () => {
  const p = file('a\nb\n');
  const src = await openLineSource(p);
  try {
    writeFileSync(p, 'a\nb\nc\n');
    const seen: string[] = [];
    for (let pass = 0; pass < 2; pass++) {
      for await (const b of lineBatches(src)) for (let i = 0; i < b.count; i++) seen.push(b.buf.toString('utf8', b.spans[2 * i], b.spans[2 * i + 1]));
    }
    assert.deepEqual(seen, ['a', 'b', 'a', 'b']);
  } finally {
    await src.fh.close();
  }
});

test('an empty file has no lines', async () => {
  assert.deepEqual(await all(file('')), []);
});
