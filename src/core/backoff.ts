// Reconnect/retry delays: exponential, capped, with jitter so many monitors restarting together do
// not hit a recovering node in lockstep. A 429's Retry-After is honoured up to the cap.
export interface BackoffOptions {
  /** First delay. Default 500 ms. */
  initialMs?: number;
  /** Cap. Default 30 s. */
  maxMs?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
  /** ± fraction of randomness. Default 0.2. */
  jitter?: number;
}

/** Delay before retry number `attempt` (1 = first retry). */
export function backoffDelay(attempt: number, o: BackoffOptions = {}, retryAfterMs?: number, random: () => number = Math.random): number {
  const initial = o.initialMs ?? 500;
  const max = o.maxMs ?? 30_000;
  const base = Math.min(max, initial * Math.pow(o.factor ?? 2, Math.max(0, Math.min(attempt - 1, 30))));
  const jitter = o.jitter ?? 0.2;
  const jittered = base * (1 - jitter + 2 * jitter * random());
  const wanted = retryAfterMs !== undefined ? Math.max(jittered, retryAfterMs) : jittered;
  return Math.round(Math.min(max, Math.max(0, wanted)));
}
