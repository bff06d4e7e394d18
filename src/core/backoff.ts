// The one retry delay and the one Retry-After parser. Every loop that waits before trying again
// (the block sources' reconnect, alert delivery, the PostgreSQL sink, backfill windows, the
// service's resume) takes its delay from backoffDelay, and every HTTP client reads Retry-After
// with parseRetryAfter.
//
// Exponential, capped, with jitter so many monitors restarting together do not hit a recovering
// node in lockstep. The jitter only ever shortens the delay (a delay lies in
// [base × (1 − jitter), base]): the cap stays a true cap, and monitors sitting at the cap still
// spread out instead of all waking at exactly maxMs. A Retry-After the peer sent is honoured (up
// to maxRetryAfterMs) plus a small spread, so clients told "come back in 10 s" do not all return
// in the same millisecond.
export interface BackoffOptions {
  /** First delay. Default 500 ms. */
  initialMs?: number;
  /** Cap of the exponential delay. Default 30 s. */
  maxMs?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
  /** Fraction of the delay that is random (taken off the top). Default 0.2; 0.5 is "equal jitter". */
  jitter?: number;
  /** Longest Retry-After honoured. Default maxMs. */
  maxRetryAfterMs?: number;
}

/** The spread added to a Retry-After: at most this fraction of it, and at most RETRY_AFTER_SPREAD_MS. */
const RETRY_AFTER_SPREAD = 0.1;
const RETRY_AFTER_SPREAD_MS = 250;

/**
 * Delay before retry number `attempt` (1 = first retry). `retryAfterMs`: what the peer asked for
 * (429/503 Retry-After); the delay is then at least that. `random` returns 0 ≤ x < 1 (injectable
 * so tests are exact).
 */
export function backoffDelay(attempt: number, o: BackoffOptions = {}, retryAfterMs?: number, random: () => number = Math.random): number {
  const initial = o.initialMs ?? 500;
  const max = o.maxMs ?? 30_000;
  const base = Math.min(max, initial * Math.pow(o.factor ?? 2, Math.max(0, Math.min(attempt - 1, 30))));
  const jitter = Math.min(1, Math.max(0, o.jitter ?? 0.2));
  const jittered = base * (1 - jitter * (1 - random()));
  if (retryAfterMs === undefined || !(retryAfterMs >= 0)) return Math.round(jittered);
  const asked = Math.min(retryAfterMs, o.maxRetryAfterMs ?? max);
  if (asked <= jittered) return Math.round(jittered);
  return Math.round(asked + random() * Math.min(RETRY_AFTER_SPREAD_MS, asked * RETRY_AFTER_SPREAD));
}

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), and the obsolete RFC 850 ("Sunday, 06-Nov-94
// 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994") forms: all open with a day name.
const HTTP_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /i;

/**
 * A Retry-After header (RFC 9110 §10.2.3) in milliseconds from `nowMs`: delta-seconds are digits
 * only ("120"; "1e3", "1.5" and "-1" are not), anything else must be an HTTP-date. Undefined when
 * absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value == null) return undefined;
  const s = value.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  if (!HTTP_DATE.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - nowMs);
}
