// Several missed slots before one block share its block_number and differ by `slot`; each is its
// own event. Readers, export and report must keep all of them (and still keep only the last
// version of each one when it is written again).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { exportLog } from '../../src/node/export/exportLog';
import { readLog, readRecordBatches } from '../../src/node/log/reader';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { buildReportAsync } from '../../src/core/report';

function slotRecord(slot: number, over: Partial<MissedBlock> = {}): MissedBlock {
  return {
    timestamp: 1700000100,
    block_number: 2,
    reason: 'Unknown',
    severity: 'High',
    expected_timestamp: 1700000000 + slot,
    actual_timestamp: 1700000100,
    recovery_attempts: 0,
    recovered: false,
    metadata: {},
    alert_sent: false,
    kind: 'missed_slot',
    slot,
    ...over,
  };
}

test('three missed slots before block 2 stay three records; a rewrite of one replaces only it', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-slots-'));
  const file = path.join(dir, 'missed_blocks.jsonl');
  const lines = [slotRecord(10), slotRecord(11), slotRecord(12), slotRecord(11, { alert_sent: true })];
  writeFileSync(file, lines.map((r) => `${toLogLine(r)}\n`).join(''));

  const read: MissedBlock[] = [];
  for await (const { record } of readLog([file])) read.push(record);
  assert.deepEqual(read.map((r) => [r.slot, r.alert_sent]).sort(), [[10, false], [11, true], [12, false]]);

  const report = await buildReportAsync(readRecordBatches([file]));
  assert.equal(report.total_missed, 3);

  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await exportLog([file], { format: 'json', out });
  const exported = JSON.parse(Buffer.concat(chunks).toString('utf8')) as MissedBlock[];
  assert.deepEqual(exported.map((r) => r.slot).sort(), [10, 11, 12]);
  assert.equal(exported.find((r) => r.slot === 11)?.alert_sent, true);
  rmSync(dir, { recursive: true, force: true });
});
