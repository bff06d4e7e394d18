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
