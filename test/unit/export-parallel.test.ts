// The export's fast paths must never change a result: the hand-written validity check may only
// accept what the schema (ajv) accepts, the worker's rows and keys must be csvBytes.ts's and
// keyscan's, and an export through worker threads must equal the single-threaded one byte for
// byte, bad-line reports included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import Ajv2020 from 'ajv/dist/2020';
import schema from '../../schema/missed-block.schema.json';
import { MAX_FAST_ROW_BYTES, writeCsvRow } from '../../src/node/export/csvBytes';
import { exportRecords } from '../../src/node/export/export';
import { exportLog } from '../../src/node/export/exportLog';
import { LINE_ROW, LINE_SKIP, LINE_SLOW, makeJobProcessor, type ExportJob } from '../../src/node/export/worker';
import { fastValid } from '../../src/node/log/fastValidate';
import { numericKey } from '../../src/node/log/keyscan';
import { readRecordBatches, type BadLine } from '../../src/node/log/reader';
import { parseLogLine } from '../../src/node/log/validate';
import { recordKey } from '../../src/core/model';
import { prng } from '../helpers/prng';

const ajvValid = new Ajv2020({ allErrors: true, strict: false }).compile(schema);


function good(i: number): Record<string, unknown> {
  return {
    timestamp: 1700000000 + i,
    block_number: 19000000 + i,
    reason: 'NetworkLatency',
    severity: 'High',
    expected_timestamp: 1700000000,
    actual_timestamp: 1700000012,
    recovery_attempts: i % 3,
    recovered: i % 2 === 0,
    metadata: { i, note: 'ü東🚀' },
    alert_sent: false,
    kind: ['gap', 'delayed', 'missed_slot', 'reorg'][i % 4],
    chain_id: 1,
    source: 'primary-ws',
  };
}

const FIELDS = [
  'timestamp', 'block_number', 'reason', 'severity', 'expected_timestamp', 'actual_timestamp', 'recovery_attempts', 'recovered',
  'metadata', 'alert_sent', 'kind', 'block_hash', 'chain_id', 'source', 'slot', 'reorg_depth', 'recovered_at', 'recovery_ms', 'streak', 'other',
];
const VALUES: unknown[] = [
  0, -0, 1, -1, 1.5, 2 ** 53, 2 ** 53 + 2, 1e300, Infinity, '1', '', null, true, false, [], {}, [1], { a: 1 },
  'NetworkLatency', 'Unknown', 'Low', 'Critical', 'gap', 'missed_slot', 'reorg', 'x', '=cmd', `0x${'a'.repeat(64)}`, `0x${'A'.repeat(63)}g`,
  `0x${'a'.repeat(65)}`, 'x'.repeat(256), 'x'.repeat(257), '🚀'.repeat(128), '🚀'.repeat(129), 'ü'.repeat(256),
];

test('the fast validity check never accepts what the schema rejects, and accepts ordinary records', () => {
  const rand = prng(9);
  let accepted = 0;
  for (let n = 0; n < 60000; n++) {
    const v: Record<string, unknown> = good(n);
    const edits = 1 + Math.floor(rand() * 3);
    for (let e = 0; e < edits; e++) {
      const f = FIELDS[Math.floor(rand() * FIELDS.length)];
      if (rand() < 0.15) delete v[f];
      else v[f] = VALUES[Math.floor(rand() * VALUES.length)];
    }
    if (fastValid(v)) {
      accepted++;
      assert.ok(ajvValid(v), `fast check accepted what ajv rejects: ${JSON.stringify(v)}`);
    }
  }
  assert.ok(accepted > 1000, `${accepted} accepted`);
  for (let i = 0; i < 100; i++) assert.ok(fastValid(good(i)));
  for (const v of [null, [], 'x', 1, [good(1)]]) assert.equal(fastValid(v), false);
});

function jobOf(lines: (string | Buffer)[]): ExportJob {
  const parts: Buffer[] = [];
  const spans: number[] = [];
  let pos = 0;
  for (const l of lines) {
    const b = typeof l === 'string' ? Buffer.from(l) : l;
    spans.push(pos, pos + b.length);
    parts.push(b, Buffer.from('\n'));
    pos += b.length + 1;
  }
  const buf = Buffer.concat(parts);
  return {
    id: 0,
    buf: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer,
    len: buf.length,
    spans: Int32Array.from(spans),
    count: lines.length,
    status: new Uint8Array(1),
    out: new ArrayBuffer(16),
    outLen: 0,
    lens: new Uint32Array(1),
    keys: new Float64Array(1),
    strKeys: [],
    rows: 0,
  };
}

test("the worker's rows and keys are writeCsvRow's, numericKey's and recordKey's; it hands back every line it is not sure of", () => {
  const lines: (string | Buffer)[] = [];
  for (let i = 0; i < 500; i++) {
    const r = good(i);
    if (i % 7 === 0) r.slot = i;
    if (i % 11 === 0) r.block_number = 2 ** 51 + i;
    if (i % 13 === 0) r.block_number = i; // small numbers, 0
    if (i % 17 === 0) delete r.kind;
    lines.push(JSON.stringify(r));
  }
  const slow = ['{"torn":', '   ', '', '[1]', JSON.stringify({ ...good(1), block_number: 2 ** 53 + 2 }), JSON.stringify({ ...good(1), reason: 'Nope' }), '{"a":1e400}'];
  lines.push(...slow, Buffer.from([0xff, 0xfe]), JSON.stringify({ ...good(3), timestamp: Infinity }).replace('Infinity', '1e400').replace('null', '1e400'));
  const job = makeJobProcessor()(jobOf(lines));
  let row = 0;
  let off = 0;
  let sk = 0;
  const out = Buffer.from(job.out, 0, job.outLen);
  const expectRow = Buffer.alloc(MAX_FAST_ROW_BYTES);
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].toString();
    const st = job.status[i];
    if (text.trim() === '') {
      assert.equal(st, LINE_SKIP, `line ${i}`);
      continue;
    }
    const p = Buffer.isBuffer(lines[i]) ? { ok: false as const } : parseLogLine(text);
    if (!p.ok) {
      assert.equal(st, LINE_SLOW, `line ${i} is bad: ${text.slice(0, 40)}`);
      continue;
    }
    if (st === LINE_SLOW) {
      // Valid but not claimed (e.g. a number beyond 2^53): the main thread handles it.
      assert.equal(writeCsvRow(p.record, expectRow, 0) < 0 || !Number.isSafeInteger(p.record.block_number), true, `line ${i} needlessly slow`);
      continue;
    }
    assert.equal(st, LINE_ROW, `line ${i}`);
    const end = writeCsvRow(p.record, expectRow, 0);
    assert.equal(out.subarray(off, off + job.lens[row]).toString(), expectRow.subarray(0, end).toString(), `row of line ${i}`);
    const k = numericKey(p.record.block_number, p.record.kind, p.record.slot);
    if (k >= 0) assert.equal(job.keys[row], k, `key of line ${i}`);
    else assert.equal(job.strKeys[sk++], recordKey(p.record), `string key of line ${i}`);
    off += job.lens[row];
    row++;
  }
  assert.equal(row, job.rows);
  assert.equal(off, job.outLen);
  assert.equal(sk, job.strKeys.length);
});

function sink() {
  const chunks: Buffer[] = [];
  const out = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { out, bytes: () => Buffer.concat(chunks) };
}

/** The record-by-record path: the reader (collapsing) into exportRecords. */
async function viaReader(paths: string[]) {
  const s = sink();
  const bad: BadLine[] = [];
  const res = await exportRecords(readRecordBatches(paths, { onBadLine: (e) => bad.push(e) }), { format: 'csv', out: s.out });
  return { bytes: s.bytes(), bad, records: res.records };
}

async function run(paths: string[], workers: number, spoolMemoryBytes?: number, syncOut?: boolean) {
  const s = sink(); // copies each chunk before write() returns: a synchronous writer
  const bad: BadLine[] = [];
  const res = await exportLog(paths, { format: 'csv', out: s.out, onBadLine: (e) => bad.push(e), workers, spoolMemoryBytes, syncOut });
  return { bytes: s.bytes(), bad, records: res.records };
}

test('an export in batches, with and without worker threads, equals the record-by-record one: rows, collapsing, bad lines', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-export-parallel-'));
  const rand = prng(5);
  const lines: string[] = [];
  for (let i = 0; i < 60000; i++) {
    const r = good(i);
    if (rand() < 0.2) r.block_number = 19000000 + Math.floor(rand() * i); // rewrites of earlier keys
    if (rand() < 0.05) r.slot = Math.floor(rand() * 5);
    if (rand() < 0.01) r.block_number = 2 ** 52 + Math.floor(rand() * 10);
    lines.push(JSON.stringify(r));
    if (i % 1009 === 0) lines.push('{"torn":');
    if (i % 2003 === 0) lines.push(JSON.stringify({ ...r, severity: 'Nope' }));
    if (i % 3001 === 0) lines.push('  ');
  }
  const third = Math.floor(lines.length / 3);
  writeFileSync(path.join(dir, 'missed_blocks.20240101T000000.jsonl.gz'), gzipSync(`${lines.slice(0, third).join('\n')}\n`));
  const active = Buffer.concat([
    Buffer.from(`\ufeff${lines.slice(third, 2 * third).join('\r\n')}\r\n`),
    Buffer.from([0xc3, 0x28, 10]),
    Buffer.from(`{"x":"${'a'.repeat((1 << 20) + 10)}"}\n`),
    Buffer.from(lines.slice(2 * third).join('\n')), // no final newline
  ]);
  writeFileSync(path.join(dir, 'missed_blocks.jsonl'), active);
  const log = path.join(dir, 'missed_blocks.jsonl');
  const single = await viaReader([log]);
  assert.ok(single.bad.length > 50, `${single.bad.length} bad lines`);
  const variants = [[0, undefined, false], [0, 64 * 1024, true], [1, undefined, true], [2, undefined, false], [2, 64 * 1024, false]] as const;
  for (const [workers, mem, syncOut] of variants) {
    const par = await run([log], workers, mem, syncOut);
    assert.equal(par.records, single.records, `records, ${workers} workers`);
    assert.ok(par.bytes.equals(single.bytes), `bytes, ${workers} workers, memory ${mem}`);
    assert.deepEqual(par.bad, single.bad, `bad lines, ${workers} workers`);
  }
});
