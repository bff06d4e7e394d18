import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LiveInfo, LogView } from '../../src/extension/model/live';
import { statusBarView } from '../../src/extension/model/statusText';
import { summarize } from '../../src/extension/model/summary';
import { entriesOf, rec, T0 } from '../helpers/extensionRecords';

const FILE = '/ws/logs/missed_blocks.jsonl';
const live: LiveInfo = { logFile: FILE, connection: 'up', source: '127.0.0.1:8545', head: 1234, missedRate: 1.5 };

/** `l` null: a log no monitor in this window writes. */
function log(records = [rec(10)], l: LiveInfo | null = live, now = T0 + 10_000) {
  const entries = entriesOf(FILE, records);
  const lv = l ?? undefined;
  const view: LogView = { file: FILE, displayName: 'logs/missed_blocks.jsonl', badLines: 0, live: lv };
  return { view, summary: summarize(entries, { alertThreshold: 3, headBlock: lv?.head, now }) };
}

test('nothing monitored: "$(pulse) Missed Blocks", accessible name says so', () => {
  const v = statusBarView({ restricted: false, alertThreshold: 3 });
  assert.equal(v.text, '$(pulse) Missed Blocks');
  assert.equal(v.ariaLabel, 'Missed Blocks: not monitoring');
  assert.equal(v.level, 'ok');
  assert.equal(statusBarView({ restricted: true, alertThreshold: 3 }).ariaLabel, 'Missed Blocks: Restricted Mode, not monitoring');
});

test('monitoring: head block, current streak and missed %', () => {
  const v = statusBarView({ log: log(), restricted: false, alertThreshold: 3 });
  assert.equal(v.text, '$(pulse) #1234 · streak 0 · 1.50% missed');
  assert.equal(v.ariaLabel, 'Missed Blocks: head block 1234, current streak 0, 1.50% missed');
  assert.equal(v.level, 'ok');
});

test('a streak reaching the threshold turns the item to warning', () => {
  const recs = [rec(1230), rec(1231), rec(1232, { severity: 'High' })];
  const v = statusBarView({ log: log(recs, { ...live, head: 1233 }), restricted: false, alertThreshold: 3 });
  assert.equal(v.text, '$(pulse) #1233 · streak 3 · 1.50% missed');
  assert.equal(v.level, 'warning');
  assert.match(v.ariaLabel, /alert threshold reached$/);
});

test('a Critical record in the open streak, or a recent one, turns it to error; an old recovered one does not', () => {
  const open = [rec(1232, { severity: 'Critical' })];
  assert.equal(statusBarView({ log: log(open, { ...live, head: 1233 }), restricted: false, alertThreshold: 3 }).level, 'error');
  const recent = [rec(10, { severity: 'Critical', kind: 'delayed', timestamp: T0 + 9_900 })];
  assert.equal(statusBarView({ log: log(recent), restricted: false, alertThreshold: 3 }).level, 'error');
  const old = [rec(10, { severity: 'Critical', kind: 'delayed', timestamp: T0 })];
  assert.equal(statusBarView({ log: log(old), restricted: false, alertThreshold: 3 }).level, 'ok');
  const recovered = [rec(1232, { severity: 'Critical', recovered: true })];
  assert.equal(statusBarView({ log: log(recovered, { ...live, head: 1233 }), restricted: false, alertThreshold: 3 }).level, 'ok');
});

test('a log another process writes: no head or missed % to show', () => {
  const v = statusBarView({ log: log([rec(5), rec(6)], null), restricted: false, alertThreshold: 3 });
  assert.equal(v.text, '$(pulse) — · streak 2 · — missed');
  assert.match(v.tooltip, /Following a log written by another process/);
});

test('a node that is down says so in the text and the accessible name', () => {
  const v = statusBarView({ log: log([], { ...live, connection: 'down', downReason: 'ConnectionLost' }), restricted: false, alertThreshold: 3 });
  assert.equal(v.text, '$(pulse) #1234 · streak 0 · 1.50% missed · down');
  assert.match(v.ariaLabel, /node down/);
  assert.match(v.tooltip, /down: ConnectionLost/);
});

test('tooltip: the block time in use and where it came from, worded from the fields /health shows', () => {
  const tip = (blockTime: LiveInfo['blockTime']) => statusBarView({ log: log([rec(10)], { ...live, blockTime }), restricted: false, alertThreshold: 3 }).tooltip.split('\n');
  assert.equal(tip({ ms: 2000, source: 'preset', slots: true, chainId: 10, chain: 'OP Mainnet' })[3], 'Block time: 2 s, preset for OP Mainnet (chain 10)');
  assert.equal(tip({ ms: 3000, source: 'measured', slots: true, chainId: 424242, measuredOver: 11 })[3], 'Block time: 3 s, measured over 11 blocks (chain 424242)');
  assert.equal(tip({ ms: 12000, source: 'config', slots: true })[3], 'Block time: 12 s, set in config');
  assert.equal(tip({ ms: 12000, source: 'default', slots: false })[3], 'Block time: 12 s, default until measured; missed slots not judged');
  assert.equal(tip({ ms: 250, source: 'preset', slots: false, chainId: 42161, chain: 'Arbitrum One' })[3], 'Block time: 250 ms, preset for Arbitrum One (chain 42161); missed slots not judged');
  // Before the run knows it (a log another process writes), no block time line.
  assert.ok(!tip(undefined).some((l) => l.startsWith('Block time')));
});

test('at risk: "· at risk" in the text, the top reason in the accessible name, the reasons in the tooltip, warning level', () => {
  const risky: LiveInfo = { ...live, risk: { source: '127.0.0.1:8545', score: 0.91, threshold: 0.7, above: 2, reasons: ['no block for 2.1 slots', 'RPC errors (0.5 per observation)'] } };
  const v = statusBarView({ log: log([], risky), restricted: false, alertThreshold: 3 });
  assert.equal(v.text, '$(pulse) #1234 · streak 0 · 1.50% missed · at risk');
  assert.equal(v.ariaLabel, 'Missed Blocks: head block 1234, current streak 0, 1.50% missed, at risk of missing blocks (no block for 2.1 slots)');
  assert.match(v.tooltip, /\nRisk: at risk \(0\.91\): no block for 2\.1 slots; RPC errors \(0\.5 per observation\)\n/);
  assert.equal(v.level, 'warning');
  // Below the threshold: the score in the tooltip only; a Critical record still wins the level.
  const calm = statusBarView({ log: log([], { ...risky, risk: { ...risky.risk!, score: 0.2, above: 0 } }), restricted: false, alertThreshold: 3 });
  assert.equal(calm.text, '$(pulse) #1234 · streak 0 · 1.50% missed');
  assert.match(calm.tooltip, /\nRisk: low \(0\.20\)\n/);
  assert.equal(calm.level, 'ok');
  const open = [rec(1232, { severity: 'Critical' })];
  assert.equal(statusBarView({ log: log(open, { ...risky, head: 1233 }), restricted: false, alertThreshold: 3 }).level, 'error');
});
