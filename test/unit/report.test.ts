import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runReport } from '../../src/cli/commands/report';
import type { MissedBlock } from '../../src/core/model';
import { buildReport, buildReportAsync } from '../../src/core/report';
import { formatReportText } from '../../src/node/reportText';
import { computeStreaks } from '../../src/core/streaks';

function rec(block_number: number, over: Partial<MissedBlock> = {}): MissedBlock {
  return {
    timestamp: 1700000000 + block_number * 12,
    block_number,
    reason: 'NetworkLatency',
    severity: 'Medium',
    expected_timestamp: 1700000000 + block_number * 12 - 30,
    actual_timestamp: 1700000000 + block_number * 12,
    recovery_attempts: 0,
    recovered: false,
    metadata: {},
    alert_sent: false,
    ...over,
  };
}

// Streaks: 10–12 (3, one recovered), 20 (1), 30–33 (4, none recovered: still current).
const records = [
  rec(10, { recovered: true, recovery_ms: 1500, severity: 'Low' }),
  rec(11, { reason: 'Timeout', kind: 'delayed' }),
  rec(12, { kind: 'missed_slot', severity: 'High' }),
  rec(20, { recovered: true, recovered_at: 1700000000 + 20 * 12 + 3, reason: 'ChainReorg', kind: 'reorg' }),
  rec(33, { severity: 'Critical' }),
  rec(30),
  rec(31),
  rec(32),
];

test('an empty log gives zeros and nulls, and prints', () => {
  const r = buildReport([]);
  assert.equal(r.total_missed, 0);
  assert.equal(r.recovered, 0);
  assert.equal(r.recovery_rate, 0);
  assert.equal(r.current_streak, 0);
  assert.equal(r.longest_streak, 0);
  assert.equal(r.first_block, null);
  assert.equal(r.last_block, null);
  assert.equal(r.first_timestamp, null);
  assert.equal(r.avg_recovery_ms, null);
  assert.deepEqual(r.streaks, []);
  assert.equal(r.by_reason.NetworkLatency, 0);
  assert.match(formatReportText(r), /Missed blocks\s+0/);
});

test('counts, recovery, range and the streaks computeStreaks finds', () => {
  const r = buildReport(records);
  const s = computeStreaks(records);
  assert.equal(r.total_missed, 8);
  assert.equal(r.recovered, 2);
  assert.equal(r.recovery_rate, 25);
  assert.equal(r.current_streak, s.current);
  assert.equal(r.longest_streak, s.longest);
  assert.equal(r.current_streak, 4);
  assert.equal(r.longest_streak, 4);
  assert.equal(r.first_block, 10);
  assert.equal(r.last_block, 33);
  assert.equal(r.first_timestamp, 1700000120);
  assert.equal(r.last_timestamp, 1700000000 + 33 * 12);
  assert.equal(r.by_reason.NetworkLatency, 6);
  assert.equal(r.by_reason.Timeout, 1);
  assert.equal(r.by_reason.ChainReorg, 1);
  assert.equal(r.by_reason.RpcError, 0, 'every known reason is listed');
  assert.deepEqual(r.by_severity, { Low: 1, Medium: 5, High: 1, Critical: 1 });
  assert.deepEqual(r.by_kind, { gap: 5, delayed: 1, missed_slot: 1, reorg: 1, payload_missed: 0 }, 'no kind counts as gap');
  // (1500 + 3000) / 2: recovery_ms when given, else recovered_at − timestamp.
  assert.equal(r.avg_recovery_ms, 2250);
  assert.deepEqual(
    r.streaks.map((x) => [x.from_block, x.to_block, x.length, x.recovered]),
    [
      [30, 33, 4, 0],
      [10, 12, 3, 1],
      [20, 20, 1, 1],
    ],
  );
});

test('recovery rate has two decimals', () => {
  assert.equal(buildReport([rec(1, { recovered: true }), rec(5), rec(9)]).recovery_rate, 33.33);
});

test('topStreaks limits the list; ties list the earliest first', () => {
  const r = buildReport([rec(1), rec(5), rec(9), rec(13)], { topStreaks: 2 });
  assert.deepEqual(r.streaks.map((s) => s.from_block), [1, 5]);
});

test('the async builder over batches equals the sync one', async () => {
  async function* batches() {
    yield records.slice(0, 3);
    yield records.slice(3);
  }
  assert.deepEqual(await buildReportAsync(batches()), buildReport(records));
});

test('text: colour only when asked', () => {
  const r = buildReport(records);
  const plain = formatReportText(r, { color: false });
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(plain, /\u001b\[/);
  assert.match(plain, /Missed blocks\s+8\s+recovered 2 \(25\.00%\)/);
  assert.match(plain, /current 4, longest 4/);
  assert.match(plain, /#30–#33\s+4 missed/);
  assert.match(formatReportText(r, { color: true }), /\u001b\[/);
});

function capture() {
  let text = '';
  const w = new Writable({
    write(c, _e, cb) {
      text += c.toString();
      cb();
    },
  });
  return { w, text: () => text };
}

test('runReport --json prints the contract fields of a log, collapsed', async () => {
  const out = capture();
  const err = capture();
  const code = await runReport([path.join(__dirname, '..', 'fixtures', 'logs', 'repeated-records.jsonl')], { json: true }, { stdout: out.w, stderr: err.w });
  assert.equal(code, 0);
  const r = JSON.parse(out.text());
  for (const k of ['total_missed', 'recovered', 'recovery_rate', 'current_streak', 'longest_streak', 'by_reason', 'by_severity', 'first_block', 'last_block']) assert.ok(k in r, k);
  assert.equal(r.total_missed, 3);
  assert.equal(r.recovered, 1);
  assert.equal(err.text(), '');
});

test('runReport: an unreadable log is exit 2 with one line naming it', async () => {
  const out = capture();
  const err = capture();
  const code = await runReport(['/nonexistent/missed_blocks.jsonl'], {}, { stdout: out.w, stderr: err.w });
  assert.equal(code, 2);
  assert.equal(out.text(), '');
  assert.match(err.text(), /^mbm report: \/nonexistent\/missed_blocks\.jsonl: cannot read: no such file\n$/);
});
