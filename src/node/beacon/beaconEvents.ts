// The beacon node's event stream: `/eth/v1/events?topics=head&topics=block&topics=chain_reorg`
// (topics repeated: some nodes hang on the comma form), read as Server-Sent Events over fetch.
// A stream that fails or ends is 'down' with a classified reason, then reopened after the
// project's backoff (src/core/backoff.ts) until stop().
import { EventEmitter } from 'node:events';
import { backoffDelay, type BackoffOptions } from '../../core/backoff';
import type { MissedBlockReason } from '../../core/model';
import { ClassifiedError, HttpStatusError, RequestTimeoutError, toClassified } from '../chain/errors';
import { abortableSleep } from '../sleep';

export const BEACON_TOPICS = ['head', 'block', 'chain_reorg'] as const;

export interface BeaconStreamEvents {
  /** The stream is open (each time, after a reconnect too). */
  open: () => void;
  event: (topic: string, data: Record<string, unknown>) => void;
  down: (reason: MissedBlockReason, message: string) => void;
}

/** Splits an SSE byte stream (decoded) into events; keeps a partial event between chunks. */
export class SseParser {
  private buf = '';
  push(chunk: string, emit: (event: string, data: string) => void): void {
    this.buf += chunk;
    for (;;) {
      const m = /\r?\n\r?\n/.exec(this.buf);
      if (!m) break;
      const block = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const name = i === -1 ? line : line.slice(0, i);
        const value = i === -1 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (name === 'event') event = value;
        else if (name === 'data') data.push(value);
      }
      if (data.length) emit(event, data.join('\n'));
    }
    // A stream that never separates events is not an event stream; do not grow without bound.
    if (this.buf.length > 1 << 20) this.buf = '';
  }
}

export class BeaconEventStream extends EventEmitter {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly o: { backoff?: BackoffOptions; connectTimeoutMs?: number } = {},
  ) {
    super();
  }

  override on<E extends keyof BeaconStreamEvents>(event: E, listener: BeaconStreamEvents[E]): this {
    return super.on(event, listener);
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const path = `/eth/v1/events?${BEACON_TOPICS.map((t) => `topics=${t}`).join('&')}`;
    for (let failures = 0; !signal.aborted; ) {
      let opened = false;
      try {
        await this.readOnce(this.url.replace(/\/+$/, '') + path, signal, () => {
          opened = true;
          failures = 0;
          this.emit('open');
        });
        if (signal.aborted) return;
        throw new ClassifiedError('ConnectionLost', 'events: the node closed the stream');
      } catch (err) {
        if (signal.aborted) return;
        const c = toClassified(err, 'events');
        this.emit('down', c.reason, c.message);
        failures++;
        await abortableSleep(backoffDelay(opened ? 1 : failures, { initialMs: 250, maxMs: 10_000, ...this.o.backoff }, c.retryAfterMs), signal);
      }
    }
  }

  private async readOnce(url: string, signal: AbortSignal, onOpen: () => void): Promise<void> {
    // Some nodes (Lodestar) send the stream's headers only with its first event: before genesis, or
    // on a chain without blocks, that can take a while. Reachability is what the REST polls show.
    const timeoutMs = this.o.connectTimeoutMs ?? 60_000;
    const connect = new AbortController();
    const timer = setTimeout(() => connect.abort(new RequestTimeoutError(timeoutMs, 'events')), timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: AbortSignal.any([signal, connect.signal]) });
    } catch (err) {
      throw connect.signal.aborted ? new RequestTimeoutError(timeoutMs, 'events') : err;
    } finally {
      clearTimeout(timer);
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw toClassified(new HttpStatusError(res.status), 'events');
    }
    onOpen();
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const emit = (event: string, data: string) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        return; // not ours to judge: a malformed event is skipped
      }
      if (parsed && typeof parsed === 'object') this.emit('event', event, parsed as Record<string, unknown>);
    };
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.push(decoder.decode(value, { stream: true }), emit);
      }
    } finally {
      reader.releaseLock();
      await res.body.cancel().catch(() => undefined);
    }
  }
}
