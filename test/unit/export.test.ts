import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { MAX_FAST_ROW_BYTES, writeCsvRow } from '../../src/node/export/csvBytes';
import { CSV_COLUMNS, csvRow, csvRowViaPapa, exportRecords, type ExportFormat } from '../../src/node/export/export';
import { exportLog } from '../../src/node/export/exportLog';
import { readRecordBatches } from '../../src/node/log/reader';
import { MISSED_BLOCK_REASONS, MISSED_BLOCK_SEVERITIES, type MissedBlock } from '../../src/core/model';

const fixtures = path.join(__dirname, '..', 'fixtures', 'logs');

/** A Writable that keeps what it is given (bytes: a chunk may end inside a UTF-8 character). */
function sink() {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { out, text: () => Buffer.concat(chunks).toString() };
}

async function exported(records: MissedBlock[] | AsyncIterable<MissedBlock[]>, format: ExportFormat) {
  const s = sink();
  const res = await exportRecords(records, { format, out: s.out });
  return { text: s.text(), count: res.records };
}

function rec(over: Partial<MissedBlock> & Record<string, unknown>): MissedBlock {
  return {
    timestamp: 1640995220,
    block_number: 1001,
    reason: 'NetworkLatency',
    severity: 'Medium',
    expected_timestamp: 1640995212,
    actual_timestamp: 1640995220,
    recovery_attempts: 0,
    recovered: false,
    metadata: {},
    alert_sent: false,
    ...over,
  } as MissedBlock;
}

test("the relay's CSV example comes out exactly from the matching records (missed_at is the record's timestamp)", async () => {
  const records = [
    rec({}),
    rec({ block_number: 1002, reason: 'NodeUnresponsive', severity: 'High', expected_timestamp: 1640995224, actual_timestamp: 1640995240, recovery_attempts: 1, recovered: true, timestamp: 1640995240 }),
  ];
  const { text, count } = await exported(records, 'csv');
  assert.equal(count, 2);
  assert.equal(
    text,
    'block_number,reason,severity,expected_timestamp,actual_timestamp,recovery_attempts,recovered,missed_at\n' +
      '1001,NetworkLatency,Medium,1640995212,1640995220,0,false,1640995220\n' +
      '1002,NodeUnresponsive,High,1640995224,1640995240,1,true,1640995240\n',
  );
});

test('no records: CSV is the header alone, JSON an empty array', async () => {
  assert.equal((await exported([], 'csv')).text, `${CSV_COLUMNS.join(',')}\n`);
  const json = (await exported([], 'json')).text;
  assert.deepEqual(JSON.parse(json), []);
});

test("JSON export is one array of the log objects, the relay's line byte for byte, unknown fields included", async () => {
  const seedLine = readFileSync(path.join(fixtures, 'seed-example.jsonl'), 'utf8').trimEnd();
  const unknownLine = readFileSync(path.join(fixtures, 'unknown-fields.jsonl'), 'utf8').trimEnd();
  const batches = readRecordBatches([path.join(fixtures, 'seed-example.jsonl'), path.join(fixtures, 'unknown-fields.jsonl')]);
  const { text } = await exported(batches, 'json');
  assert.equal(text.split('\n')[1], `${seedLine},`);
  const arr = JSON.parse(text);
  assert.deepEqual(arr, [JSON.parse(seedLine), JSON.parse(unknownLine)]);
});

test('text cells that a spreadsheet would run as a formula are escaped; numbers, even negative, stay numbers', async () => {
  const hostile = ['=HYPERLINK("http://evil","x")', '+1+1', '-2+3', '@SUM(A1)', '\tTAB', '\rCR', '=1\n=2'];
  const rows = hostile.map((reason) => csvRow(rec({ reason: reason as MissedBlock['reason'] })));
  assert.deepEqual(rows, [
    `1001,"'=HYPERLINK(""http://evil"",""x"")",Medium,1640995212,1640995220,0,false,1640995220\n`,
    `1001,"'+1+1",Medium,1640995212,1640995220,0,false,1640995220\n`,
    `1001,"'-2+3",Medium,1640995212,1640995220,0,false,1640995220\n`,
    `1001,"'@SUM(A1)",Medium,1640995212,1640995220,0,false,1640995220\n`,
    `1001,"'\tTAB",Medium,1640995212,1640995220,0,false,1640995220\n`,
    `1001,"'\rCR",Medium,1640995212,1640995220,0,false,1640995220\n`,
    // papaparse's default pattern misses this one (its `.*$` stops at the newline)
    `1001,"'=1\n=2",Medium,1640995212,1640995220,0,false,1640995220\n`,
  ]);
  assert.equal(csvRow(rec({ expected_timestamp: -5, recovery_attempts: -1 })), '1001,NetworkLatency,Medium,-5,1640995220,-1,false,1640995220\n');
  assert.equal(csvRow(rec({ severity: '-5' as MissedBlock['severity'] })), `1001,NetworkLatency,"'-5",1640995212,1640995220,0,false,1640995220\n`);
  assert.equal(csvRow(rec({ reason: 'a,"b"' as MissedBlock['reason'] })), `1001,"a,""b""",Medium,1640995212,1640995220,0,false,1640995220\n`);
  assert.equal(csvRow(rec({ recovered: undefined as unknown as boolean })), '1001,NetworkLatency,Medium,1640995212,1640995220,0,,1640995220\n');
});

test('the byte row writer gives the digits String() gives, and declines what it cannot write', () => {
  const buf = Buffer.alloc(MAX_FAST_ROW_BYTES + 10);
  const nums = [0, 1, 9, 10, 99, 100, 999, 1000, 99999, 100000, 2147483647, 2147483648, 4294967296, 9999999999, 10000000000, 2 ** 53 - 1, 1e15];
  for (let i = 0; i < 500; i++) nums.push(Math.floor(Math.random() * 10 ** (1 + (i % 15))));
  for (const n of nums) {
    const r = rec({ block_number: n, timestamp: n, expected_timestamp: n, actual_timestamp: n, recovery_attempts: n, reason: 'RateLimitExceeded', severity: 'Critical' });
    const end = writeCsvRow(r, buf, 5);
    assert.equal(buf.toString('latin1', 5, end), csvRowViaPapa(r), String(n));
  }
  for (const odd of [{ block_number: 2 ** 53 }, { timestamp: -1 }, { actual_timestamp: 1.5 }, { reason: 'Nope' }, { recovered: 'yes' }]) {
    assert.equal(writeCsvRow(rec(odd as Partial<MissedBlock>), buf, 0), -1, JSON.stringify(odd));
  }
});

test('the direct row writer equals Papa.unparse for every valid record shape', () => {
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  for (let i = 0; i < 2000; i++) {
    const r = rec({
      block_number: rand(2 ** 31) * (i % 3 === 0 ? 4096 : 1),
      reason: MISSED_BLOCK_REASONS[rand(MISSED_BLOCK_REASONS.length)],
      severity: MISSED_BLOCK_SEVERITIES[rand(4)],
      expected_timestamp: rand(2 ** 31),
      actual_timestamp: rand(2 ** 31),
      recovery_attempts: rand(10),
      recovered: rand(2) === 1,
      timestamp: i === 0 ? 0 : rand(2 ** 31),
    });
    assert.equal(csvRow(r), csvRowViaPapa(r));
  }
});

test('export waits for a slow output instead of buffering everything (backpressure)', async () => {
  let maxBuffered = 0;
  let written = 0;
  const out = new Writable({
    highWaterMark: 1024,
    write(chunk, _enc, cb) {
      written += chunk.length;
      setImmediate(cb); // a slow consumer
    },
  });
  const origWrite = out.write.bind(out);
  out.write = ((chunk: string) => {
    const ok = origWrite(chunk);
    maxBuffered = Math.max(maxBuffered, out.writableLength);
    return ok;
  }) as typeof out.write;
  const batch = Array.from({ length: 1000 }, (_, i) => rec({ block_number: i }));
  const batches = Array.from({ length: 40 }, () => batch);
  await exportRecords(batches, { format: 'csv', out });
  await new Promise<void>((resolve) => out.end(resolve));
  assert.ok(written > 2_000_000, `wrote ${written}`);
  // Without waiting for 'drain' the whole ~2.6 MB would sit in the stream's buffer.
  assert.ok(maxBuffered < 200_000, `buffered up to ${maxBuffered} bytes`);
});

test('an output that breaks mid-export makes the export fail instead of hanging', async () => {
  let writes = 0;
  const out = new Writable({
    highWaterMark: 16,
    write(_c, _e, cb) {
      // The first chunk goes through; then the reader goes away (a closed pipe).
      if (++writes === 1) setImmediate(cb);
      else cb(Object.assign(new Error('broken pipe'), { code: 'EPIPE' }));
    },
  });
  const batch = Array.from({ length: 2000 }, (_, i) => rec({ block_number: i }));
  await assert.rejects(exportRecords([batch, batch, batch], { format: 'csv', out }));
});

test('a log written by Python (CRLF, unicode, rotated .gz by Python gzip) exports to the CSV Python computes itself', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-py-'));
  const helper = path.join(__dirname, '..', 'helpers', 'python-csv.py');
  execFileSync('python3', [helper, 'write', dir]);
  const active = path.join(dir, 'missed_blocks.jsonl');
  const csvPath = path.join(dir, 'out.csv');
  const out = createWriteStream(csvPath);
  const res = await exportRecords(readRecordBatches(active), { format: 'csv', out });
  out.end();
  await finished(out);
  const rotated = path.join(dir, 'missed_blocks.20240101T000000.jsonl.gz');
  const check = JSON.parse(execFileSync('python3', [helper, 'check', csvPath, rotated, active], { encoding: 'utf8' }));
  assert.deepEqual(check.header, check.columns);
  assert.deepEqual(check.actual, check.expected);
  assert.equal(res.records, 5); // 6 lines, block 101's gap record written twice
  assert.equal(check.expected.length, 5);
});

// ---- exportLog: the single-parse path for log files must equal reader + exportRecords ----

async function viaReader(paths: string[], format: ExportFormat, filter?: (r: MissedBlock) => boolean) {
  return (await exported(readRecordBatches(paths, { filter, onBadLine: () => undefined }), format)).text;
}

async function viaExportLog(paths: string[], format: ExportFormat, filter?: (r: MissedBlock) => boolean, spoolMemoryBytes?: number) {
  const s = sink();
  const res = await exportLog(paths, { format, out: s.out, filter, onBadLine: () => undefined, spoolMemoryBytes });
  return { text: s.text(), count: res.records };
}

function bigLog() {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-exportlog-'));
  const lines: string[] = [];
  // 40k lines (~3 MB: rows cross the spool's 1 MiB blocks), a quarter of them rewrites of an
  // earlier (block, kind), a few bad lines, unicode in metadata.
  for (let i = 0; i < 40000; i++) {
    const n = i % 4 === 3 ? 1000 + ((i * 7919) % i) : 1000 + i;
    const kind = ['gap', 'delayed', 'missed_slot', 'reorg'][i % 3];
    if (i % 997 === 0) lines.push('{"torn":');
    lines.push(JSON.stringify(rec({ block_number: n, kind, timestamp: 1700000000 + i, recovered: i % 4 === 3, severity: i % 5 ? 'High' : 'Low', metadata: { note: 'ü東🚀', i } } as Partial<MissedBlock>)));
  }
  const half = lines.length / 2;
  writeFileSync(path.join(dir, 'missed_blocks.20240101T000000.jsonl.gz'), gzipSync(`${lines.slice(0, half).join('\n')}\n`));
  writeFileSync(path.join(dir, 'missed_blocks.jsonl'), `${lines.slice(half).join('\r\n')}\r\n`);
  return path.join(dir, 'missed_blocks.jsonl');
}

const big = bigLog();
// The spool makes its directories (mbm-export-XXXXXX) under os.tmpdir(); this test points TMPDIR
// at a directory of its own while it exports, so the exports other test files run beside this
// one (export-order, export-parallel) cannot show up in it.
const spoolRoot = mkdtempSync(path.join(tmpdir(), 'mbm-spoolroot-'));
const spoolDirs = () => readdirSync(spoolRoot).filter((n) => /^mbm-export-[A-Za-z0-9]{6}$/.test(n));

for (const format of ['csv', 'json'] as const) {
  test(`exportLog (${format}) equals the reader path: in memory and spilled to a temp file, with and without a filter`, async (t) => {
    const tmp = process.env.TMPDIR;
    process.env.TMPDIR = spoolRoot;
    t.after(() => {
      if (tmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = tmp;
    });
    const before = new Set(spoolDirs());
    const low = (r: MissedBlock) => r.severity === 'Low';
    const expected = await viaReader([big], format);
    const expectedLow = await viaReader([big], format, low);
    assert.ok(expected.length > 1_100_000, `${expected.length} bytes: must cross the spool's 1 MiB blocks`);
    for (const mem of [undefined, 64 * 1024]) {
      assert.equal((await viaExportLog([big], format, undefined, mem)).text, expected, `memory ${mem}`);
      assert.equal((await viaExportLog([big], format, low, mem)).text, expectedLow, `filtered, memory ${mem}`);
    }
    for (const file of ['seed-example.jsonl', 'repeated-records.jsonl', 'unknown-fields.jsonl', 'crlf-unicode.jsonl']) {
      const p = path.join(fixtures, file);
      assert.equal((await viaExportLog([p], format)).text, await viaReader([p], format), file);
    }
    assert.deepEqual(spoolDirs().filter((d) => !before.has(d)), [], 'temp files removed');
  });
}

test('exportLog of nothing is a header / an empty array', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-exportlog-'));
  const empty = path.join(dir, 'empty.jsonl');
  writeFileSync(empty, '\n\n');
  assert.equal((await viaExportLog([empty], 'csv')).text, `${CSV_COLUMNS.join(',')}\n`);
  assert.equal((await viaExportLog([empty], 'json')).text, '[]\n');
});
