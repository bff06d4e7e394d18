// How a channel reports a failed send: whether trying again can help, and when. Messages are
// already safe to log (the channel redacts its URL before building one).
export class SendError extends Error {
  constructor(
    message: string,
    /** A retry can succeed (connection refused/reset, timeout, 5xx, 429). */
    readonly transient: boolean,
    /** The peer said when to come back (429 Retry-After). */
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

/** Retry-After as delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(v: string | undefined, nowMs: number): number | undefined {
  if (!v) return undefined;
  const s = v.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : Math.max(0, t - nowMs);
}
