// Offline views judge "current streak" by the head the log's checkpoint recorded (what the monitor
// last processed), as the live monitor judges it by its head: a fixture streak #10–#15 (6 records,
// none recovered) is current with the head at #16 and over with the head at #17.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { loggedHead } from '../../src/node/checkpoint';
import { ReportCache } from '../../src/node/api/reportCache';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const rec = (n: number): MissedBlock => ({
  timestamp: 1_700_000_000 + n, block_number: n, reason: 'Unknown', severity: 'Medium', expected_timestamp: 1_700_000_000 + n,
  actual_timestamp: 1_700_000_000 + n, recovery_attempts: 0, recovered: false, metadata: {}, alert_sent: false, kind: 'gap',
});

function fixture(head?: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-cur-'));
  dirs.push(dir);
  const log = path.join(dir, 'missed_blocks.jsonl');
  writeFileSync(log, [3, 10, 11, 12, 13, 14, 15].map((n) => `${toLogLine(rec(n))}\n`).join(''));
  if (head !== undefined) writeFileSync(`${log}.checkpoint.json`, JSON.stringify({ number: head, hash: `0x${'ab'.repeat(32)}`, timestamp: 1_700_000_100 }));
  return log;
}

test('the checkpoint head decides: #16 → current 6, #17 → 0; no checkpoint → the log-only rule (6, nothing recovered)', async () => {
  for (const [head, current] of [[16, 6], [17, 0], [undefined, 6]] as const) {
    const log = fixture(head);
    assert.equal(await loggedHead([log]), head);
    const r = await new ReportCache([log]).get();
    assert.deepEqual({ current: r.current_streak, longest: r.longest_streak }, { current, longest: 6 }, `head ${head}`);
  }
});

test('a live head given by the caller wins over the checkpoint', async () => {
  const r = await new ReportCache([fixture(17)]).get({ headBlock: 15 });
  assert.equal(r.current_streak, 6);
});

test('loggedHead: the newest of several logs’ checkpoints; rotated .gz files have none', async () => {
  const a = fixture(16);
  const b = fixture(40);
  assert.equal(await loggedHead([a, b, `${a}.20250101T000000.jsonl.gz`]), 40);
  assert.equal(await loggedHead([`${a}.gz`]), undefined);
});
