// 1,000 bad lines of many kinds between good ones: each bad line is reported exactly once with its
// own line number, nothing crashes, every good record is read — with and without collapsing,
// from a plain file and from its gzip copy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readLog, type BadLine } from '../../src/node/log/reader';
import { MAX_LINE_BYTES } from '../../src/node/log/validate';

function good(n: number): string {
  return JSON.stringify({
    timestamp: 1700000000 + n,
    block_number: n,
    reason: 'Timeout',
    severity: 'High',
    expected_timestamp: 1700000000 + n - 12,
    actual_timestamp: 1700000000 + n,
    recovery_attempts: 0,
    recovered: false,
    metadata: { i: n, note: n % 7 === 0 ? 'ünï "q" \\ {}' : 'x' },
    alert_sent: false,
    kind: n % 2 ? 'gap' : 'delayed',
  });
}

/** A bad line of kind i % kinds.length; `n` is a block number that good lines also use. */
const BAD: ((n: number) => string | Buffer)[] = [
  (n) => good(n).slice(0, 80), // truncated (torn write), with the key of a good record
  (n) => good(n).replace('"Timeout"', '"Timeoutt"'), // wrong enum, same key as a good record
  (n) => good(n).replace(`"block_number":${n}`, `"block_number":"${n}"`), // wrong type
  (n) => good(n).replace('"recovered":false', '"recovered":"no"'),
  (n) => good(n).replace(`"timestamp":${1700000000 + n},`, ''), // missing required field
  () => '{}',
  () => '[]',
  (n) => `[${good(n)}]`, // an array holding a good record
  () => 'null',
  () => '42',
  () => '"a string"',
  () => '{"timestamp":1,',
  () => 'not json at all',
  (n) => good(n).replace('"metadata":{', '"metadata":{\u0000'), // NUL byte
  (n) => Buffer.concat([Buffer.from(good(n).slice(0, 60)), Buffer.from([0xff, 0xfe]), Buffer.from(good(n).slice(60))]), // invalid UTF-8
  (n) => good(n).replace(`"block_number":${n}`, `"block_number":-${n}`),
  (n) => good(n).replace(`"block_number":${n}`, `"block_number":${n}.5`),
  (n) => good(n).replace('"kind":', '"kind":null,"x":'),
  (n) => `${good(n)} trailing`,
  (n) => good(n).replace('{', '{{'),
];

function buildLog() {
  const parts: Buffer[] = [];
  const badLines: number[] = [];
  const goodLines: number[] = [];
  let line = 0;
  let block = 0;
  const add = (b: string | Buffer, isBad: boolean) => {
    line++;
    (isBad ? badLines : goodLines).push(line);
    parts.push(typeof b === 'string' ? Buffer.from(b) : b, Buffer.from(line % 5 === 0 ? '\r\n' : '\n'));
  };
  for (let i = 0; i < 1000; i++) {
    add(good(++block), false);
    if (i % 100 === 0) {
      line++;
      parts.push(Buffer.from('\n')); // blank: skipped, not bad
    }
    if (i % 250 === 3) add(`{"metadata":"${'h'.repeat(MAX_LINE_BYTES + 10)}"}`, true); // huge
    else add(BAD[i % BAD.length](block), true);
  }
  return { content: Buffer.concat(parts), badLines, goodLines };
}

const { content, badLines, goodLines } = buildLog();
const dir = mkdtempSync(path.join(tmpdir(), 'mbm-malformed-'));
const plain = path.join(dir, 'malformed.jsonl');
const gz = path.join(dir, 'malformed.jsonl.gz');
writeFileSync(plain, content);
writeFileSync(gz, gzipSync(content));

for (const [name, file] of [
  ['plain', plain],
  ['gzip', gz],
] as const) {
  for (const collapse of [true, false]) {
    test(`${name}, collapse ${collapse}: 1,000 bad lines reported once each, every good record read`, async () => {
      const bad: BadLine[] = [];
      const read: number[] = [];
      for await (const e of readLog(file, { collapse, onBadLine: (b) => bad.push(b) })) read.push(e.line);
      assert.equal(badLines.length, 1000);
      assert.deepEqual(
        bad.map((b) => b.line),
        badLines,
      );
      assert.ok(bad.every((b) => b.file === file && b.message.length > 0));
      // No good record shares a key with another good one, so collapsing must keep them all.
      assert.deepEqual(read, goodLines);
    });
  }
}

test('the messages say what is wrong', async () => {
  const bad: BadLine[] = [];
  for await (const _ of readLog(plain, { onBadLine: (b) => bad.push(b) })) void _;
  const byKind = (re: RegExp) => bad.filter((b) => re.test(b.message)).length;
  assert.ok(byKind(/not valid JSON/) >= 100, 'JSON errors');
  assert.ok(byKind(/must be one of/) >= 50, 'enum errors');
  assert.ok(byKind(/missing required field/) >= 50, 'missing fields');
  assert.ok(byKind(/NUL/) >= 40, 'NUL bytes');
  assert.ok(byKind(/UTF-8/) >= 40, 'invalid UTF-8');
  assert.ok(byKind(/expected a JSON object/) >= 100, 'arrays, null, numbers, strings');
  assert.equal(byKind(/longer than/), 4, 'huge lines');
  const json = bad.find((b) => /not valid JSON/.test(b.message));
  assert.ok(json?.column !== undefined && json.column > 0, 'JSON errors carry a column');
});
