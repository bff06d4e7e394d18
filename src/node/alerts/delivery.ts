// One queue per channel, strictly in order (an alert is never overtaken by its own resolve). A
// transient failure is retried with exponential backoff and jitter, or after exactly what a 429's
// Retry-After asks; a permanent one (a 4xx: wrong URL, revoked token) is given up with a warning
// so it does not block the channel forever. Closing aborts the wait or the send in flight; the
// entry stays owed in the outbox and goes after the next start.
import type { Channel } from './channels/types';
import type { DeliveryResult, OutboxEntry } from './outbox';
import { backoffDelay } from '../../core/backoff';
import type { Redactor } from '../../core/redact';
import { SendError } from './sendError';
import { abortableSleep as sleep } from '../sleep';

export interface QueueOptions {
  baseMs: number;
  maxMs: number;
  /** 0 ≤ random() < 1, for jitter; injectable so tests are exact. */
  random?: () => number;
  /** Longest Retry-After honoured. Default max(maxMs, 1 h). */
  maxRetryAfterMs?: number;
  redactor: Redactor;
  /** Journal the outcome; the next entry waits for it. */
  onDone(entry: OutboxEntry, result: DeliveryResult, err?: SendError): Promise<void>;
  onRetry?(entry: OutboxEntry, attempt: number, delayMs: number, err: SendError): void;
}

/**
 * The wait before delivery attempt `attempt + 1`: the one backoff (core/backoff.ts) with "equal
 * jitter" (half fixed, half random, so retries spread but still grow), or what a 429's Retry-After
 * asked for, up to maxRetryAfterMs.
 */
export function retryDelay(attempt: number, o: Pick<QueueOptions, 'baseMs' | 'maxMs' | 'maxRetryAfterMs'>, retryAfterMs: number | undefined, random: () => number): number {
  return backoffDelay(attempt, { initialMs: o.baseMs, maxMs: o.maxMs, jitter: 0.5, maxRetryAfterMs: o.maxRetryAfterMs ?? Math.max(o.maxMs, 3_600_000) }, retryAfterMs, random);
}

export class ChannelQueue {
  private readonly queue: OutboxEntry[] = [];
  private running?: Promise<void>;
  private readonly abort = new AbortController();
  private waiters: (() => void)[] = [];

  constructor(
    readonly channel: Channel,
    private readonly o: QueueOptions,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  push(entry: OutboxEntry): void {
    if (this.abort.signal.aborted) return;
    this.queue.push(entry);
    this.kick();
  }

  /** Resolves when everything pushed so far has been delivered or given up. */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.release();
  }

  private kick(): void {
    if (this.running || this.abort.signal.aborted) return;
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.queue.length && !this.abort.signal.aborted) this.kick();
      else this.release();
    });
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const random = this.o.random ?? Math.random;
    while (this.queue.length && !signal.aborted) {
      const entry = this.queue[0];
      let result: DeliveryResult = 'delivered';
      let error: SendError | undefined;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.channel.send(entry.msg, signal);
          break;
        } catch (err) {
          if (signal.aborted) return;
          const se = err instanceof SendError ? err : new SendError(this.o.redactor.scrub(`${this.channel.id}: ${err instanceof Error ? err.message : String(err)}`), true);
          if (!se.transient) {
            result = 'failed';
            error = se;
            break;
          }
          const delay = retryDelay(attempt, this.o, se.retryAfterMs, random);
          this.o.onRetry?.(entry, attempt, delay, se);
          await sleep(delay, signal);
          if (signal.aborted) return;
        }
      }
      this.queue.shift();
      await this.o.onDone(entry, result, error);
    }
  }
}

