// The outbox journal on its own: what is owed survives a reopen, delivered entries do not, a line
// torn by a crash is skipped, compaction keeps only live state, and backoff grows with jitter.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Outbox, outboxPathFor } from '../../src/node/alerts/outbox';
import { retryDelay } from '../../src/node/alerts/delivery';
import type { AlertMessage } from '../../src/node/alerts';
import type { IncidentState } from '../../src/core/incidents';
import { removeTempDirs, tempDir } from '../helpers/alertFixtures';

after(removeTempDirs);

const msg = (id: string): AlertMessage => ({ id, kind: 'alert', source: { label: 'n:1' }, severity: 'Critical', created_at: 0, title: id, text: id });
const state = (key: string): IncidentState => ({ key, from_block: 1, to_block: 3, started_at: 0, max_severity: 'Critical', records: { '1:gap': false }, alerted: { webhook: 'sent' }, delivered: false });

test('owed messages and open incidents survive a reopen; delivered ones and resolved incidents do not come back', async () => {
  const file = path.join(tempDir(), 'alerts.outbox.jsonl');
  const a = await Outbox.open(file);
  const [e1, e2] = await a.enqueue([{ channels: ['webhook', 'slack'], msg: msg('m1') }, { channels: ['webhook'], msg: msg('m2') }], [state('i1'), state('i2')]);
  await a.done(e1.seq, 'webhook', 'delivered');
  await a.done(e2.seq, 'webhook', 'failed');
  await a.enqueue([], [], [{ key: 'i2', from_block: 1, to_block: 3, delivered: true }]);
  await a.close();

  const b = await Outbox.open(file);
  assert.deepEqual(b.pending().map((e) => [e.msg.id, e.channels, e.done]), [['m1', ['webhook', 'slack'], { webhook: 'delivered' }]]);
  assert.deepEqual(b.openIncidents().map((i) => i.key), ['i1']);
  assert.deepEqual(b.resolvedIncidents().map((r) => r.key), ['i2']);
  const [e3] = await b.enqueue([{ channels: ['file'], msg: msg('m3') }]);
  assert.ok(e3.seq > e1.seq, 'sequence numbers keep growing across restarts');
  await b.close();
});

test('a line torn by a crash is skipped with a warning; the rest loads; compaction rewrites live state only', async () => {
  const file = path.join(tempDir(), 'alerts.outbox.jsonl');
  const a = await Outbox.open(file, { compactEvery: 10_000 });
  for (let i = 0; i < 20; i++) {
    const [e] = await a.enqueue([{ channels: ['webhook'], msg: msg(`d${i}`) }]);
    await a.done(e.seq, 'webhook', 'delivered');
  }
  await a.enqueue([{ channels: ['webhook'], msg: msg('owed') }]);
  await a.close();
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 41);
  appendFileSync(file, '{"op":"msg","seq":99,"chan');
  const warnings: string[] = [];
  const b = await Outbox.open(file, { onWarning: (w) => warnings.push(w) });
  assert.deepEqual(b.pending().map((e) => e.msg.id), ['owed']);
  assert.match(warnings[0], /skipped 1 unreadable line/);
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 1, 'compacted to the one owed message');
  await b.close();
});

test('delivery backoff: exponential, capped, with equal jitter; a Retry-After up to 1 h wins', () => {
  const o = { baseMs: 100, maxMs: 1000 };
  assert.deepEqual([1, 2, 3, 4, 10].map((n) => retryDelay(n, o, undefined, () => 0)), [50, 100, 200, 400, 500]);
  assert.deepEqual([1, 2, 3, 4, 10].map((n) => retryDelay(n, o, undefined, () => 0.999999)), [100, 200, 400, 800, 1000]);
  assert.equal(retryDelay(1, o, 120_000, () => 0), 120_000);
  assert.equal(retryDelay(1, o, 7_200_000, () => 0), 3_600_000);
});

test('each log has its own outbox: two monitors logging into one directory never share a journal', () => {
  const dir = tempDir();
  const a = outboxPathFor(path.join(dir, 'missed_blocks.jsonl'));
  const b = outboxPathFor(path.join(dir, 'relay-b.mbl.jsonl'));
  assert.equal(a, path.join(dir, 'alerts.outbox.jsonl'), 'the default log keeps the documented name');
  assert.equal(b, path.join(dir, 'relay-b.mbl.alerts.outbox.jsonl'));
  assert.notEqual(a, b);
});
