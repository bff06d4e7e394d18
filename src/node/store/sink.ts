// PostgresSink: every record the logger writes is also upserted into the shared store, in
// batches. The JSONL log stays the source of truth; the store is a copy that may lag.
//
// One pump sends batches in write order. When the database cannot be reached, the failed batch
// and everything after it go to the on-disk queue (`<log>.pgqueue`, bounded) and new records are
// appended there too, so the order is kept; the pump retries with backoff and, once connected,
// replays the queue before anything newer. A replay of rows the database already has (a crash
// between commit and dequeue) is harmless: rows are upserted by key, so nothing is doubled.
import type { Client } from 'pg';
import { backoffDelay } from '../../core/backoff';
import { toLogLine, type MissedBlock } from '../../core/model';
import { abortableSleep } from '../sleep';
import { connectStore, describePgError, describePostgresUrl, isDataError } from './connect';
import { rowFromLine, upsertRows, type StoreRow } from './rows';
import { DEFAULT_SPOOL_BYTES, DiskQueue } from './diskQueue';
import type { RecordSink } from './types';

export interface PostgresSinkOptions {
  url: string;
  /** The on-disk queue; conventionally `<log>.pgqueue`. */
  spoolPath: string;
  /** Bound of the on-disk queue. Default 64 MiB. */
  maxSpoolBytes?: number;
  /** Records per transaction. Default 500. */
  batchSize?: number;
  /** How long a record may wait for more to join its batch. Default 200 ms. */
  flushMs?: number;
  /** Reconnect backoff. Default 500 ms doubling to 30 s. */
  retry?: { initialMs?: number; maxMs?: number };
  /** How long close() keeps trying to send before leaving the rest on disk. Default 5 s. */
  closeTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Overrides the warning path given to start() (tests). */
  onWarning?(message: string): void;
}

const MAX_MEMORY_LINES = 10_000;

/** The spool file conventionally used for a log. */
export function spoolPathFor(logPath: string): string {
  return `${logPath}.pgqueue`;
}

export class PostgresSink implements RecordSink {
  private readonly queue: DiskQueue;
  private readonly where: string;
  private memory: string[] = [];
  private client: Client | undefined;
  private warn: (m: string) => void = () => undefined;
  private pump: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private readonly stopping = new AbortController();
  private closing = false;
  private down = false;
  private failures = 0;
  private lastDropWarning = 0;
  /** Rows sent since start (tests and the closing note). */
  sent = 0;

  constructor(private readonly o: PostgresSinkOptions) {
    this.queue = new DiskQueue(o.spoolPath, o.maxSpoolBytes ?? DEFAULT_SPOOL_BYTES);
    this.where = describePostgresUrl(o.url);
  }

  /** Records waiting (in memory or on disk). */
  get backlog(): { memory: number; diskBytes: number } {
    return { memory: this.memory.length, diskBytes: Math.max(0, this.queue.size()) };
  }

  /** Records the disk bound refused since start. */
  get dropped(): number {
    return this.queue.droppedTotal;
  }

  async start(warn: (message: string) => void = () => undefined): Promise<void> {
    this.warn = this.o.onWarning ?? warn;
    try {
      this.queue.repair();
    } catch (err) {
      this.warn(`postgres queue ${this.o.spoolPath}: ${(err as Error).message}`);
    }
    if (this.queue.hasPending()) this.warn(`postgres: ${this.o.spoolPath} holds records from before; sending them to ${this.where} first`);
    this.pump ??= this.run();
  }

  write(record: MissedBlock): void {
    if (this.closing) return;
    // Serialized now, as the JSONL writer does: a later change to the object is a later write.
    const line = toLogLine(record);
    if (this.down || this.queue.hasPending()) this.spill([line]);
    else this.memory.push(line);
    // A database that answers slower than records come: the backlog waits on disk, not in memory.
    if (this.memory.length > MAX_MEMORY_LINES) this.spill(this.memory.splice(0));
    if (this.memory.length >= (this.o.batchSize ?? 500)) this.wake?.();
    else if (this.memory.length === 1) setTimeout(() => this.wake?.(), this.o.flushMs ?? 200).unref();
  }

  /** Resolves when nothing is waiting (tests), or rejects after timeoutMs. */
  async idle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.memory.length > 0 || this.queue.hasPending() || this.busy) {
      if (Date.now() > deadline) throw new Error('postgres sink still has records queued');
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
      }, this.o.closeTimeoutMs ?? 5_000);
    });
    this.wake?.();
    try {
      // A database that hangs (no answer, no reset) does not hold the shutdown past the deadline.
      await Promise.race([this.pump, deadline]);
    } finally {
      clearTimeout(timer);
    }
    // Whatever could not be sent waits on disk for the next start.
    if (this.memory.length > 0) this.spill(this.memory.splice(0));
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  private busy = false;

  private spill(lines: string[]): void {
    let refused: number;
    try {
      refused = this.queue.append(lines);
    } catch (err) {
      refused = lines.length;
      this.queue.droppedTotal += lines.length;
      this.warn(`postgres queue ${this.o.spoolPath}: ${(err as Error).message}`);
    }
    if (refused > 0 && Date.now() - this.lastDropWarning > 10_000) {
      this.lastDropWarning = Date.now();
      this.warn(
        `postgres queue ${this.o.spoolPath} is full (${this.queue.maxBytes} bytes): ${refused} record(s) not queued for ${this.where}, ` +
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
    for (;;) {
      if (this.stopping.signal.aborted) return;
      const diskPending = this.queue.hasPending();
      if (!diskPending && this.memory.length === 0) {
        if (this.closing) return;
        await this.sleepUntilWoken(60_000);
        continue;
      }
      // A partial batch waits for company unless we are closing or catching up.
      if (!diskPending && !this.closing && this.memory.length < (this.o.batchSize ?? 500)) {
        await this.sleepUntilWoken(this.o.flushMs ?? 200);
      }
      this.busy = true;
      try {
        if (!this.client) this.client = await connectStore(this.o.url, { connectTimeoutMs: this.o.connectTimeoutMs, queryTimeoutMs: 30_000 });
        if (diskPending || this.queue.hasPending()) await this.sendFromDisk(this.client);
        else await this.sendFromMemory(this.client);
        if (this.down) {
          this.down = false;
          this.warn(`postgres: ${this.where} reachable again; queued records sent`);
        }
        this.failures = 0;
      } catch (err) {
        await this.client?.end().catch(() => undefined);
        this.client = undefined;
        // Keep the order: what is in memory goes behind what is already on disk.
        if (this.memory.length > 0) this.spill(this.memory.splice(0));
        this.failures++;
        const delay = backoffDelay(this.failures, { initialMs: this.o.retry?.initialMs ?? 500, maxMs: this.o.retry?.maxMs ?? 30_000 });
        if (!this.down) {
          this.down = true;
          this.warn(`postgres: ${this.where}: ${describePgError(err)}; queueing records in ${this.o.spoolPath}, retrying with backoff`);
        }
        this.busy = false;
        if (this.closing) return; // the close deadline is not spent on retries: the rest waits on disk
        await abortableSleep(delay, this.stopping.signal);
        continue;
      }
      this.busy = false;
    }
  }

  private async sendFromMemory(client: Client): Promise<void> {
    const lines = this.memory.slice(0, this.o.batchSize ?? 500);
    await this.send(client, lines);
    this.memory.splice(0, lines.length);
  }

  private async sendFromDisk(client: Client): Promise<void> {
    // Memory first to disk, so the order on disk is the write order (only non-empty after a failure).
    if (this.memory.length > 0) this.spill(this.memory.splice(0));
    const { lines, end } = this.queue.peek(Math.max(this.o.batchSize ?? 500, 2_000));
    await this.send(client, lines);
    this.queue.ack(end);
  }

  private async send(client: Client, lines: readonly string[]): Promise<void> {
    const rows: StoreRow[] = [];
    for (const line of lines) {
      const r = rowFromLine(line);
      if ('error' in r) this.warn(`postgres: skipped a queued record (${r.error})`);
      else rows.push(r);
    }
    try {
      await upsertRows(client, rows);
    } catch (err) {
      if (!isDataError(err)) throw err;
      // One bad row must not hold the others back forever: send them one by one, skip the bad.
      for (const r of rows) {
        await upsertRows(client, [r]).catch((e: unknown) => {
          if (!isDataError(e)) throw e;
          this.warn(`postgres: record #${r.block_number} ${r.kind} not stored: ${describePgError(e)}`);
        });
      }
    }
    this.sent += rows.length;
  }
}
