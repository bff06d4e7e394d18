// The one retry delay (backoffDelay) and the one Retry-After parser (parseRetryAfter) every retry
// loop and HTTP client uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, parseRetryAfter } from '../../src/core/backoff';

const top = () => 0.999999; // the top of the jitter range: (almost) no reduction
test('exponential from initialMs, capped at maxMs', () => {
  const o = { initialMs: 100, maxMs: 1_000, factor: 2 };
  assert.deepEqual([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, o, undefined, top)), [100, 200, 400, 800, 1_000, 1_000]);
});

test('jitter only shortens: a delay lies in [base × (1 − jitter), base], so the cap is a true cap', () => {
  const o = { initialMs: 1_000, maxMs: 1_100, jitter: 0.2 };
  assert.equal(backoffDelay(1, o, undefined, () => 0), 800);
  assert.equal(backoffDelay(1, o, undefined, () => 0.5), 900);
  assert.equal(backoffDelay(1, o, undefined, top), 1_000);
  // At the cap the delays still spread (800…1,000 of a 1,000 cap), instead of all being 1,000.
  assert.equal(backoffDelay(9, { initialMs: 1_000, maxMs: 1_000 }, undefined, () => 0), 800);
});

test('equal jitter (0.5): half fixed, half random', () => {
  const o = { initialMs: 100, maxMs: 1_000, jitter: 0.5 };
  assert.deepEqual([1, 2, 3, 4, 10].map((n) => backoffDelay(n, o, undefined, () => 0)), [50, 100, 200, 400, 500]);
  assert.deepEqual([1, 2, 3, 4, 10].map((n) => backoffDelay(n, o, undefined, top)), [100, 200, 400, 800, 1_000]);
});

test('Retry-After is a floor, honoured up to maxRetryAfterMs (default maxMs), plus a spread of at most 10 % / 250 ms', () => {
  const o = { initialMs: 100, maxMs: 5_000 };
  assert.equal(backoffDelay(1, o, 2_000, () => 0), 2_000);
  assert.equal(backoffDelay(1, o, 2_000, () => 0.5), 2_100); // + 0.5 × min(250, 200)
  assert.equal(backoffDelay(1, o, 60_000, () => 0), 5_000);
  assert.equal(backoffDelay(1, { ...o, maxRetryAfterMs: 3_600_000 }, 60_000, () => 0.5), 60_125); // + 0.5 × 250
  // A Retry-After shorter than the backoff does not shorten it.
  assert.equal(backoffDelay(4, { initialMs: 1_000, maxMs: 30_000 }, 100, top), 8_000);
});

test('parseRetryAfter: delta-seconds are digits only; anything else must be an HTTP-date', () => {
  const now = Date.UTC(1994, 10, 6, 8, 49, 0);
  assert.equal(parseRetryAfter('120', now), 120_000);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  for (const v of ['1e3', '1.5', '-1', '+5', '0x10', '', 'soon', '5s']) assert.equal(parseRetryAfter(v, now), undefined, v);
  assert.equal(parseRetryAfter(undefined, now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
  // The three HTTP-date forms of RFC 9110: IMF-fixdate, RFC 850, asctime (37 s after `now`).
  assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now), 37_000);
  assert.equal(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now), 37_000);
  assert.equal(parseRetryAfter('Sun Nov  6 08:49:37 1994 GMT', now), 37_000);
  // A date in the past: come back now.
  assert.equal(parseRetryAfter('Sat, 05 Nov 1994 08:49:37 GMT', now), 0);
});
