// Throttle windows: at most N messages per window, the rest counted into one summary handed out
// when the window is over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Throttle } from '../../src/node/alerts/throttle';
import type { AlertMessage } from '../../src/node/alerts';

const msg = (i: number, kind: AlertMessage['kind'] = 'alert') => ({ id: `m${i}`, kind, incident: `inc-${i}` }) as AlertMessage;

test('N per window, then one summary of the rest when the window is over', () => {
  const t = new Throttle(3, 1000);
  const sent = Array.from({ length: 10 }, (_, i) => t.admit(msg(i, i === 9 ? 'resolve' : 'alert'), 5000 + i));
  assert.deepEqual(sent.map((s) => s.send), [true, true, true, false, false, false, false, false, false, false]);
  assert.ok(sent.every((s) => s.summary === undefined));
  assert.equal(t.dueAt(), 6000);
  assert.equal(t.closeIfOver(5999), undefined, 'window still open');
  const s = t.closeIfOver(6000)!;
  assert.deepEqual({ ...s, incidents: s.incidents.length }, { count: 7, alerts: 6, resolves: 1, incidents: 7, incident_count: 7, window_start: 5000, window_end: 6000 });
  assert.equal(t.closeIfOver(7000), undefined, 'one summary per window');
  assert.equal(t.admit(msg(20), 7000).send, true, 'a new window starts with the next message');
});

test('the summary of a closed window comes with the next message if no timer fired', () => {
  const t = new Throttle(1, 100);
  t.admit(msg(1), 0);
  t.admit(msg(2), 1);
  const r = t.admit(msg(3), 500);
  assert.equal(r.send, true);
  assert.equal(r.summary?.count, 1);
});

test('a quiet window produces no summary', () => {
  const t = new Throttle(5, 100);
  t.admit(msg(1), 0);
  assert.equal(t.dueAt(), undefined);
  assert.equal(t.closeIfOver(1000), undefined);
});
