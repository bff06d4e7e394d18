// Several expected transactions can miss one block: their tx_missed records share block_number and
// differ by metadata.tx_hash. Every place that derives a record's identity — readers (byte-level key
// scan), CSV and JSON export (batch worker code included), the store's row key, the dashboard wire —
// must keep them apart, keep only the last version of each, and never confuse one with the gap
// record of the next block (kind index 4 of block n must not become the numeric key of block n+1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { exportLog } from '../../src/node/export/exportLog';
import { readLog } from '../../src/node/log/reader';
import { KEY_UNKNOWN, numericKey, scanKey } from '../../src/node/log/keyscan';
import { recordKey, toLogLine, type MissedBlock } from '../../src/core/model';
import { rowFromRecord, rowKey } from '../../src/node/store/rows';
import { decodeRow, encodeBatch } from '../../src/shared/dashboard/wire';
import { schemaErrors } from '../../src/node/log/validate';
import { fastValid } from '../../src/node/log/fastValidate';

const H1 = `0x${'11'.repeat(32)}`;
const H2 = `0x${'22'.repeat(32)}`;

function txRecord(hash: string, over: Partial<MissedBlock> = {}): MissedBlock {
  return {
    timestamp: 1700000100,
    block_number: 7,
    reason: 'NonceMismatch',
    severity: 'High',
    expected_timestamp: 1700000000,
    actual_timestamp: 1700000100,
    recovery_attempts: 0,
    recovered: false,
    metadata: { tx_hash: hash },
    alert_sent: false,
    kind: 'tx_missed',
    ...over,
  };
}

const gap8: MissedBlock = { ...txRecord(H1), block_number: 8, kind: 'gap', reason: 'Unknown', metadata: {} };

test('recordKey tells two tx_missed records of one block apart; numeric keys never hold them', () => {
  assert.equal(recordKey(txRecord(H1)), `7:tx_missed:${H1}`);
  assert.notEqual(recordKey(txRecord(H1)), recordKey(txRecord(H2)));
  assert.equal(numericKey(7, 'tx_missed'), KEY_UNKNOWN);
  const line = Buffer.from(toLogLine(txRecord(H1)));
  assert.equal(scanKey(line, 0, line.length), KEY_UNKNOWN);
  const gapLine = Buffer.from(toLogLine(gap8));
  assert.equal(scanKey(gapLine, 0, gapLine.length), 8 * 4);
});

test('the store and the dashboard wire key them apart too', () => {
  const rows = [txRecord(H1), txRecord(H2), gap8].map((r) => rowFromRecord(r, toLogLine(r)));
  assert.equal(new Set(rows.map((r) => rowKey(r as never))).size, 3);
  const batch = encodeBatch([txRecord(H1), txRecord(H2)].map((record) => ({ record, file: 'f', line: 1 })));
  assert.deepEqual([decodeRow(batch, 0).key, decodeRow(batch, 1).key], [`7:tx_missed:${H1}`, `7:tx_missed:${H2}`]);
});

test('readers and exports keep both records, the last version of each, and the next block\'s gap', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-txkey-'));
  const file = path.join(dir, 'missed_blocks.jsonl');
  const lines = [txRecord(H1), txRecord(H2), gap8, txRecord(H1, { alert_sent: true })];
  writeFileSync(file, lines.map((r) => `${toLogLine(r)}\n`).join(''));
  try {
    const read: MissedBlock[] = [];
    for await (const { record } of readLog([file])) read.push(record);
    assert.deepEqual(read.map((r) => [r.block_number, r.kind, r.metadata.tx_hash ?? null, r.alert_sent]).sort(), [
      [7, 'tx_missed', H1, true],
      [7, 'tx_missed', H2, false],
      [8, 'gap', null, false],
    ]);
    for (const format of ['json', 'csv'] as const) {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      await exportLog([file], { format, out, workers: 0 });
      const text = Buffer.concat(chunks).toString('utf8');
      if (format === 'json') assert.deepEqual((JSON.parse(text) as MissedBlock[]).map((r) => [r.block_number, r.alert_sent]).sort(), [[7, false], [7, true], [8, false]]);
      else assert.equal(text.trim().split('\n').length, 1 + 3);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a tx_missed record must name its transaction: the schema and the fast check agree', () => {
  const bad = { ...txRecord(H1), metadata: {} };
  assert.equal(fastValid(bad), false);
  assert.deepEqual(schemaErrors(bad), ["missing required field 'metadata.tx_hash'"]);
  const badHash = { ...txRecord(H1), metadata: { tx_hash: '0x12' } };
  assert.equal(fastValid(badHash), false);
  assert.ok(schemaErrors(badHash).length > 0);
  assert.equal(fastValid(txRecord(H1)), true);
  assert.deepEqual(schemaErrors(txRecord(H1)), []);
});
