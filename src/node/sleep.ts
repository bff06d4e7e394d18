// Waiting that a shutdown can cut short: every retry and pacing loop in src/node uses this, so
// stop() never waits out a backoff.

/** Resolves after `ms`, or at once when `signal` aborts (already aborted: immediately). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
