// A second home for records (PostgreSQL, Redis Streams…) that never holds the monitor back. One pump
// sends batches of lines in write order. When the destination cannot be reached, the failed batch
// and everything after it go to an on-disk queue (DiskQueue, bounded) and new lines are appended
// there too, so the order is kept; the pump retries with backoff and, once connected, replays the
// queue before anything newer. A replay of lines the destination already has (a crash between its
// commit and our dequeue) must be harmless: each destination makes its send idempotent (PostgreSQL
// upserts by key, Redis dedupes by an id per line).
import { backoffDelay } from '../../core/backoff';
import { abortableSleep } from '../sleep';
import { DEFAULT_SPOOL_BYTES, DiskQueue } from './diskQueue';

/** What one destination provides; connection trouble is thrown, per-line trouble warned and skipped. */
export interface SinkTransport {
  /** Messages' prefix ("postgres", "redis"). */
  readonly name: string;
  /** Where it sends, for messages: never with a password. */
  readonly where: string;
  connect(): Promise<void>;
  /** Send these lines (idempotently); throws if they may not have arrived. Returns how many were stored. */
  send(lines: readonly string[], warn: (m: string) => void): Promise<number>;
  disconnect(): Promise<void>;
  describeError(err: unknown): string;
}

export interface QueuedSinkOptions {
  /** The on-disk queue (`<log>.pgqueue`, `<log>.redisqueue`). */
  spoolPath: string;
  /** Bound of the on-disk queue. Default 64 MiB. */
  maxSpoolBytes?: number;
  /** Lines per send. Default 500. */
  batchSize?: number;
  /** How long a line may wait for more to join its batch. Default 200 ms. */
  flushMs?: number;
  /** Reconnect backoff. Default 500 ms doubling to 30 s. */
  retry?: { initialMs?: number; maxMs?: number };
  /** How long close() keeps trying to send before leaving the rest on disk. Default 5 s. */
  closeTimeoutMs?: number;
  /** Overrides the warning path given to start() (tests). */
  onWarning?(message: string): void;
}

const MAX_MEMORY_LINES = 10_000;

export class QueuedSink {
  private readonly queue: DiskQueue;
  private memory: string[] = [];
  private connected = false;
  protected warn: (m: string) => void = () => undefined;
  private pump: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly stopping = new AbortController();
  private closing = false;
  private down = false;
  private failures = 0;
  private lastDropWarning = 0;
  private busy = false;
  /** Lines sent since start (tests and the closing note). */
  sent = 0;

  constructor(
    protected readonly transport: SinkTransport,
    private readonly q: QueuedSinkOptions,
  ) {
    this.queue = new DiskQueue(q.spoolPath, q.maxSpoolBytes ?? DEFAULT_SPOOL_BYTES);
  }

  /** Lines waiting (in memory or on disk). */
  get backlog(): { memory: number; diskBytes: number } {
    return { memory: this.memory.length, diskBytes: Math.max(0, this.queue.size()) };
  }

  /** Lines the disk bound refused since start. */
  get dropped(): number {
    return this.queue.droppedTotal;
  }

  async start(warn: (message: string) => void = () => undefined): Promise<void> {
    const t = this.transport;
    this.warn = this.q.onWarning ?? warn;
    try {
      this.queue.repair();
    } catch (err) {
      this.warn(`${t.name} queue ${this.q.spoolPath}: ${(err as Error).message}`);
    }
    if (this.queue.hasPending()) this.warn(`${t.name}: ${this.q.spoolPath} holds records from before; sending them to ${t.where} first`);
    this.pump ??= this.run();
  }

  /** Queue one line (no '\n'). Never throws, never blocks. */
  protected enqueue(line: string): void {
    if (this.closing) return;
    if (this.down || this.queue.hasPending()) this.spill([line]);
    else this.memory.push(line);
    // A destination slower than records come: the backlog waits on disk, not in memory.
    if (this.memory.length > MAX_MEMORY_LINES) this.spill(this.memory.splice(0));
    if (this.memory.length >= (this.q.batchSize ?? 500)) this.wake?.();
    else if (this.memory.length === 1) setTimeout(() => this.wake?.(), this.q.flushMs ?? 200).unref();
  }

  /** Resolves when nothing is waiting (tests), or rejects after timeoutMs. */
  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.memory.length > 0 || this.queue.hasPending() || this.busy) {
      if (Date.now() > deadline) throw new Error(`${this.transport.name} sink still has records queued`);
      this.wake?.();
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    if (this.closing) return this.pump;
    this.closing = true;
    // Down: do not wait out a backoff; what is queued is on disk already.
    if (this.down) this.stopping.abort();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.stopping.abort();
        resolve();
      }, this.q.closeTimeoutMs ?? 5_000);
    });
    this.wake?.();
    try {
      // A destination that hangs (no answer, no reset) does not hold the shutdown past the deadline.
      await Promise.race([this.pump, deadline]);
    } finally {
      clearTimeout(timer);
    }
    // Whatever could not be sent waits on disk for the next start.
    if (this.memory.length > 0) this.spill(this.memory.splice(0));
    await this.transport.disconnect().catch(() => undefined);
    this.connected = false;
  }

  private spill(lines: string[]): void {
    const t = this.transport;
    let refused: number;
    try {
      refused = this.queue.append(lines);
    } catch (err) {
      refused = lines.length;
      this.queue.droppedTotal += lines.length;
      this.warn(`${t.name} queue ${this.q.spoolPath}: ${(err as Error).message}`);
    }
    if (refused > 0 && Date.now() - this.lastDropWarning > 10_000) {
      this.lastDropWarning = Date.now();
      this.warn(
        `${t.name} queue ${this.q.spoolPath} is full (${this.queue.maxBytes} bytes): ${refused} record(s) not queued for ${t.where}, ` +
          `${this.queue.droppedTotal} since start; they are in the JSONL log only`,
      );
    }
  }

  private async sleepUntilWoken(ms: number): Promise<void> {
    const signal = this.stopping.signal;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
    this.wake = undefined;
  }

  private async run(): Promise<void> {
    const t = this.transport;
    const batchSize = this.q.batchSize ?? 500;
    for (;;) {
      if (this.stopping.signal.aborted) return;
      const diskPending = this.queue.hasPending();
      if (!diskPending && this.memory.length === 0) {
        if (this.closing) return;
        await this.sleepUntilWoken(60_000);
        continue;
      }
      // A partial batch waits for company unless we are closing or catching up.
      if (!diskPending && !this.closing && this.memory.length < batchSize) await this.sleepUntilWoken(this.q.flushMs ?? 200);
      this.busy = true;
      try {
        if (!this.connected) {
          await t.connect();
          this.connected = true;
        }
        if (diskPending || this.queue.hasPending()) {
          // Memory first to disk, so the order on disk is the write order (only non-empty after a failure).
          if (this.memory.length > 0) this.spill(this.memory.splice(0));
          const { lines, end } = this.queue.peek(Math.max(batchSize, 2_000));
          await this.send(lines);
          this.queue.ack(end);
        } else {
          const lines = this.memory.slice(0, batchSize);
          await this.send(lines);
          this.memory.splice(0, lines.length);
        }
        if (this.down) {
          this.down = false;
          this.warn(`${t.name}: ${t.where} reachable again; queued records sent`);
        }
        this.failures = 0;
      } catch (err) {
        await t.disconnect().catch(() => undefined);
        this.connected = false;
        // Keep the order: what is in memory goes behind what is already on disk.
        if (this.memory.length > 0) this.spill(this.memory.splice(0));
        this.failures++;
        const delay = backoffDelay(this.failures, { initialMs: this.q.retry?.initialMs ?? 500, maxMs: this.q.retry?.maxMs ?? 30_000 });
        if (!this.down) {
          this.down = true;
          this.warn(`${t.name}: ${t.where}: ${t.describeError(err)}; queueing records in ${this.q.spoolPath}, retrying with backoff`);
        }
        this.busy = false;
        if (this.closing) return; // the close deadline is not spent on retries: the rest waits on disk
        await abortableSleep(delay, this.stopping.signal);
        continue;
      }
      this.busy = false;
    }
  }

  private async send(lines: readonly string[]): Promise<void> {
    this.sent += await this.transport.send(lines, this.warn);
  }
}
