// Export order: each key at the position of its FIRST record, with the content of its last. A log in
// block order where #101 is rewritten twice (recovered, then escalated) and #103 once (given up)
// exports in block order — the same from exportLog (record by record, in batches with and without a
// worker thread, spool in memory and spilled), from the reader (what /export and the extension
// read), and from the store's per-statement collapse (--from-postgres).
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { exportRecords, type ExportFormat } from '../../src/node/export/export';
import { exportLog } from '../../src/node/export/exportLog';
import { readRecordBatches } from '../../src/node/log/reader';
import { collapseRows, rowFromRecord, type StoreRow } from '../../src/node/store/rows';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const rec = (n: number, ts: number, over: Partial<MissedBlock> = {}): MissedBlock => ({
  timestamp: ts, block_number: n, reason: 'Unknown', severity: 'Medium', expected_timestamp: ts - 12, actual_timestamp: ts,
  recovery_attempts: 0, recovered: false, metadata: {}, alert_sent: false, kind: 'gap', ...over,
});

const LINES: MissedBlock[] = [
  rec(100, 1000),
  rec(101, 1001),
  rec(102, 1002, { kind: 'delayed', reason: 'NetworkLatency' }),
  rec(101, 1003, { severity: 'Low', recovered: true, recovery_attempts: 1 }),
  rec(103, 1004),
  rec(104, 1005, { kind: 'missed_slot', severity: 'High', slot: 7 }),
  rec(103, 1006, { severity: 'High', recovery_attempts: 3 }),
  rec(101, 1007, { severity: 'Critical', recovered: true, recovery_attempts: 1 }),
];

const HEADER = 'block_number,reason,severity,expected_timestamp,actual_timestamp,recovery_attempts,recovered,missed_at';
const ROWS = {
  100: '100,Unknown,Medium,988,1000,0,false,1000',
  101: '101,Unknown,Critical,995,1007,1,true,1007',
  102: '102,NetworkLatency,Medium,990,1002,0,false,1002',
  103: '103,Unknown,High,994,1006,3,false,1006',
  104: '104,Unknown,High,993,1005,0,false,1005',
};

function fixture(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-order-'));
  dirs.push(dir);
  const log = path.join(dir, 'missed_blocks.jsonl');
  writeFileSync(log, LINES.map((r) => `${toLogLine(r)}\n`).join(''));
  return log;
}

function sink() {
  const chunks: Buffer[] = [];
  return { out: new Writable({ write: (c, _e, cb) => (chunks.push(Buffer.from(c)), cb()) }), text: () => Buffer.concat(chunks).toString() };
}

async function viaExportLog(log: string, format: ExportFormat, o: { filter?: (r: MissedBlock) => boolean; workers?: number; spoolMemoryBytes?: number } = {}) {
  const s = sink();
  const res = await exportLog([log], { format, out: s.out, ...o });
  return { text: s.text(), records: res.records };
}

const csv = (...blocks: (keyof typeof ROWS)[]) => [HEADER, ...blocks.map((b) => ROWS[b])].join('\n') + '\n';
const blocksOfJson = (text: string) => (JSON.parse(text) as MissedBlock[]).map((r) => `${r.block_number} ${r.severity}`);

test('CSV: block order, the last version of #101 and #103 where they were first written — every exportLog path', async () => {
  const log = fixture();
  for (const o of [{}, { workers: 0 }, { workers: 1 }, { spoolMemoryBytes: 1 }, { workers: 1, spoolMemoryBytes: 1 }, { filter: () => true }, { filter: () => true, spoolMemoryBytes: 1 }]) {
    const r = await viaExportLog(log, 'csv', o);
    assert.equal(r.text, csv(100, 101, 102, 103, 104), JSON.stringify(o));
    assert.equal(r.records, 5);
  }
});

test('JSON: the same order, each line the last version byte for byte', async () => {
  const log = fixture();
  for (const o of [{}, { spoolMemoryBytes: 1 }]) {
    const r = await viaExportLog(log, 'json', o);
    assert.deepEqual(blocksOfJson(r.text), ['100 Medium', '101 Critical', '102 Medium', '103 High', '104 High']);
    assert.equal(r.text, `[\n${[LINES[0], LINES[7], LINES[2], LINES[6], LINES[5]].map(toLogLine).join(',\n')}\n]\n`);
  }
});

test('filters apply to the last version, which keeps its first place', async () => {
  const log = fixture();
  const sev = (s: string) => (r: MissedBlock) => r.severity === s;
  // #103's first version (Medium) did not match; its last (High) takes that place, before #104.
  assert.equal((await viaExportLog(log, 'csv', { filter: sev('High') })).text, csv(103, 104));
  assert.equal((await viaExportLog(log, 'csv', { filter: sev('High'), spoolMemoryBytes: 1 })).text, csv(103, 104));
  // #101's and #103's first versions matched Medium; their last versions do not: gone.
  assert.equal((await viaExportLog(log, 'csv', { filter: sev('Medium') })).text, csv(100, 102));
  assert.equal((await viaExportLog(log, 'csv', { filter: sev('Low') })).text, csv());
  assert.deepEqual(blocksOfJson((await viaExportLog(log, 'json', { filter: sev('High') })).text), ['103 High', '104 High']);
  assert.deepEqual(blocksOfJson((await viaExportLog(log, 'json', { filter: sev('Critical') })).text), ['101 Critical']);
});

test('the reader (GET /export, report, the extension) collapses to the same order', async () => {
  const log = fixture();
  const s = sink();
  await exportRecords(readRecordBatches([log]), { format: 'csv', out: s.out });
  assert.equal(s.text(), csv(100, 101, 102, 103, 104));
  const high = sink();
  await exportRecords(readRecordBatches([log], { filter: (r) => r.severity === 'High' }), { format: 'csv', out: high.out });
  assert.equal(high.text(), csv(103, 104));
});

test('the store collapses one statement’s rows the same way (--from-postgres)', () => {
  const rows = LINES.map((r) => rowFromRecord(JSON.parse(toLogLine(r)), toLogLine(r)) as StoreRow);
  assert.deepEqual(collapseRows(rows).map((r) => `${r.block_number} ${r.severity}`), ['100 Medium', '101 Critical', '102 Medium', '103 High', '104 High']);
});
