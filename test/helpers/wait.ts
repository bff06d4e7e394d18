// Bounded waiting for tests: every wait has a deadline and says what it was waiting for, so a
// missing event fails the test with a reason instead of hanging it.
import type { EventEmitter } from 'node:events';

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  what?: string;
}

type Check<T> = () => T | undefined | false | Promise<T | undefined | false>;

/**
 * Poll `check` until it returns a value other than undefined/false, or fail after timeoutMs.
 * Also callable as waitFor('what it waits for', check, opts).
 */
export function waitFor<T>(check: Check<T>, opts?: WaitOptions): Promise<T>;
export function waitFor<T>(what: string, check: Check<T>, opts?: WaitOptions): Promise<T>;
export function waitFor<T>(a: Check<T> | string, b?: Check<T> | WaitOptions, c?: WaitOptions): Promise<T> {
  return typeof a === 'string' ? poll(b as Check<T>, { ...c, what: a }) : poll(a, (b as WaitOptions | undefined) ?? {});
}

async function poll<T>(check: Check<T>, opts: WaitOptions): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'condition'}${last ? ` (last error: ${String(last)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 25));
  }
}

/** The next `event` on `emitter` whose args pass `filter`, or fail after timeoutMs. */
export function nextEvent<A extends unknown[] = unknown[]>(
  emitter: Pick<EventEmitter, 'on' | 'off'>,
  event: string,
  opts: WaitOptions & { filter?: (...args: A) => boolean } = {},
): Promise<A> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      if (opts.filter && !opts.filter(...(args as A))) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(args as A);
    };
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for '${event}'${opts.what ? ` (${opts.what})` : ''}`));
    }, timeoutMs);
    emitter.on(event, listener);
  });
}
