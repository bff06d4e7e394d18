import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../src/core/backoff';

const mid = () => 0.5; // no jitter offset
test('exponential from initialMs, capped at maxMs', () => {
  const o = { initialMs: 100, maxMs: 1_000, factor: 2 };
  assert.deepEqual([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, o, undefined, mid)), [100, 200, 400, 800, 1_000, 1_000]);
});
test('jitter stays within ±jitter and under the cap', () => {
  const o = { initialMs: 1_000, maxMs: 1_100, jitter: 0.2 };
  assert.equal(backoffDelay(1, o, undefined, () => 0), 800);
  assert.equal(backoffDelay(1, o, undefined, () => 0.999999), 1_100);
});
test('Retry-After is honoured up to the cap', () => {
  const o = { initialMs: 100, maxMs: 5_000 };
  assert.equal(backoffDelay(1, o, 2_000, mid), 2_000);
  assert.equal(backoffDelay(1, o, 60_000, mid), 5_000);
});
