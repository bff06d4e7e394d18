// Incident rules, without I/O: one alert per streak per channel however long it grows, one resolve
// when the chain moves past it (with length, duration and recovered count), severity minimums per
// channel, mute, late updates of a resolved streak, and state carried across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertChannelKind } from '../../src/core/config';
import type { MissedBlockSeverity } from '../../src/core/model';
import { IncidentTracker, incidentFacts, toState, type Decision } from '../../src/core/incidents';
import { rec } from '../helpers/alertFixtures';

function tracker(min: Partial<Record<AlertChannelKind, MissedBlockSeverity>> = {}, channels: AlertChannelKind[] = ['webhook']) {
  return new IncidentTracker({ alertThreshold: 3, channels, minSeverity: (c) => min[c] ?? 'Critical', keyOf: (n) => `src/streak-${n}` });
}
const none = () => false;
const brief = (ds: Decision[]) => ds.map((d) => `${d.type} ${d.incident.key} [${d.channels.join(',')}]`);

test('a streak reaching alert_threshold alerts once; growing does not alert again; its end resolves once', () => {
  const t = tracker();
  t.add(rec(101));
  t.add(rec(102));
  assert.deepEqual(t.evaluate(103, 1000, none), [], 'two missed: below the threshold of 3');
  t.add(rec(103));
  assert.deepEqual(brief(t.evaluate(104, 1001, none)), ['alert src/streak-101 [webhook]']);
  t.add(rec(104));
  t.add(rec(105, { recovered: true, severity: 'Low' }));
  assert.deepEqual(t.evaluate(106, 1002, none), [], 'the same incident: no second alert');
  assert.deepEqual(t.evaluate(106, 1003, none), [], 'head = last + 1: still the current streak');
  const [d] = t.evaluate(107, 1010, none);
  assert.equal(d.type, 'resolve');
  assert.deepEqual(incidentFacts(d.incident), { length: 5, recovered: 1 });
  assert.equal(d.incident.fromBlock, 101);
  assert.equal(d.incident.toBlock, 105);
  assert.equal(d.type === 'resolve' && d.endedAt - d.incident.startedAt, 1010 - rec(101).timestamp);
  assert.deepEqual(t.evaluate(200, 1020, none), [], 'resolved once');
});

test('late updates of a resolved streak (recovery finishing) do not open it again', () => {
  const t = tracker();
  for (const n of [10, 11, 12]) t.add(rec(n));
  assert.equal(t.evaluate(13, 0, none).length, 1);
  assert.equal(t.evaluate(20, 0, none)[0].type, 'resolve');
  for (const n of [10, 11, 12]) t.add(rec(n, { recovered: true, severity: 'Critical' }));
  assert.deepEqual(t.evaluate(21, 0, none), []);
  assert.equal(t.deliveredCovers(11), false, 'alert not delivered yet');
  t.markDelivered('src/streak-10');
  assert.equal(t.deliveredCovers(11), true);
});

test('a record at least as severe as the channel minimum alerts on that channel only', () => {
  const t = tracker({ slack: 'High', webhook: 'Critical' }, ['webhook', 'slack']);
  t.add(rec(50, { kind: 'missed_slot', severity: 'High', slot: 7 }));
  assert.deepEqual(brief(t.evaluate(50, 0, none)), ['alert src/streak-50 [slack]']);
  // The same streak grows to the threshold: now the webhook hears of it, Slack not again.
  t.add(rec(50, { kind: 'missed_slot', severity: 'Critical', slot: 8 }));
  t.add(rec(50, { kind: 'missed_slot', severity: 'Critical', slot: 9 }));
  assert.deepEqual(brief(t.evaluate(50, 0, none)), ['alert src/streak-50 [webhook]']);
  assert.deepEqual(brief(t.evaluate(52, 0, none)), ['resolve src/streak-50 [webhook,slack]']);
});

test('below every minimum and threshold: nothing, and the incident is forgotten when it ends', () => {
  const t = tracker({ webhook: 'High' });
  t.add(rec(7, { kind: 'delayed', severity: 'Medium' }));
  assert.deepEqual(t.evaluate(7, 0, none), []);
  assert.deepEqual(t.evaluate(9, 0, none), []);
  assert.equal(t.openIncidents.length, 0);
});

test('muted channels are marked but get neither the alert nor the resolve', () => {
  const t = tracker({}, ['console', 'webhook']);
  for (const n of [1, 2, 3]) t.add(rec(n));
  assert.deepEqual(brief(t.evaluate(4, 0, (c) => c === 'webhook')), ['alert src/streak-1 [console]']);
  assert.deepEqual(brief(t.evaluate(9, 0, none)), ['resolve src/streak-1 [console]']);
});

test('restored after a restart: the continuing streak is the same incident, and it resolves', () => {
  const before = tracker();
  for (const n of [30, 31, 32]) before.add(rec(n));
  before.evaluate(33, 0, none);
  const saved = before.openIncidents.map(toState);
  const after = tracker();
  after.restore(saved, []);
  after.add(rec(33));
  after.add(rec(32, { kind: 'missed_slot', slot: 1 }));
  assert.deepEqual(after.evaluate(34, 0, none), [], 'no second alert for the same streak');
  const [d] = after.evaluate(40, 0, none);
  assert.equal(d.type, 'resolve');
  assert.equal(d.incident.key, 'src/streak-30');
  assert.deepEqual(incidentFacts(d.incident), { length: 5, recovered: 0 });
});

test('without a head, a streak is over when all of it is recovered', () => {
  const t = tracker();
  for (const n of [1, 2, 3]) t.add(rec(n));
  assert.equal(t.evaluate(undefined, 0, none)[0].type, 'alert');
  for (const n of [1, 2]) t.add(rec(n, { recovered: true }));
  assert.deepEqual(t.evaluate(undefined, 0, none), []);
  t.add(rec(3, { recovered: true }));
  assert.equal(t.evaluate(undefined, 0, none)[0].type, 'resolve');
});

test('a bundle with missing members (tx_missed records of one block) is one incident, alerted once', () => {
  const t = tracker({ webhook: 'High' });
  const tx = (hash: string) => rec(300, { kind: 'tx_missed', reason: 'ContractRevert', severity: 'High', metadata: { tx_hash: hash, bundle: 'b1' } });
  t.add(tx(`0x${'01'.repeat(32)}`));
  t.add(tx(`0x${'02'.repeat(32)}`));
  t.add(tx(`0x${'03'.repeat(32)}`));
  const ds = t.evaluate(300, 1000, none);
  assert.deepEqual(brief(ds), ['alert src/streak-300 [webhook]']);
  assert.equal(ds[0].incident.records.size, 3, 'each missing member is its own record of the incident');
});
