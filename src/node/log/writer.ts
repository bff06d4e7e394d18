// Appends missed-block records to the JSONL log: batching, one append + fsync per batch, rotation
// before a batch would overflow the file, and retry instead of loss when the disk says no.
import { mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { MissedBlockLoggerConfig } from '../../core/config';
import { toLogLine, type MissedBlock } from '../../core/model';
import { repairTornTail, type RepairResult } from './repair';
import { applyRetention, dueBoundary, finishInterruptedRotations, nextBoundary, rotateActive } from './rotation';

export interface JsonlWriterOptions {
  path: string;
  /** Rotate before an append would make the active file larger than this many bytes; 0 never rotates. */
  rotationSize: number;
  /**
   * Also rotate at every UTC boundary of this interval (ms; a divisor of a day): the first append
   * after a boundary, or the boundary timer when nothing is written, closes the file. 0 = size only.
   */
  rotationIntervalMs?: number;
  /** Delete rotated files older than this; 0 keeps them forever. */
  retentionDays: number;
  batchLogging: boolean;
  batchSize: number;
  batchTimeoutMs: number;
  /** fsync after every append (default true): a written line survives a crash of the machine. */
  fsync?: boolean;
  /** Records kept while the file cannot be written; beyond it the oldest are dropped (default 100,000). */
  maxQueued?: number;
  /** Delay before retrying after a failed append (default 5 s). */
  retryDelayMs?: number;
  /** Every failure (write, rotation, retention, RecordsDroppedError). Default: a process warning. */
  onError?: (err: Error) => void;
  /** A rotated `.jsonl.gz` file now exists at this path. */
  onRotate?: (rotatedPath: string) => void;
  /**
   * A flush emptied the queue: every record accepted so far is in the file (or was dropped and
   * reported). The service advances its checkpoint only then, so a crash never leaves the
   * checkpoint ahead of records that were still in memory.
   */
  onIdle?: () => void;
  /** Clock for rotation names and retention (tests). */
  now?: () => Date;
}

/** What open() found and fixed, for the caller to log. */
export interface OpenReport {
  repair: RepairResult;
  /** Rotations a previous process started but did not finish, now finished. */
  finishedRotations: string[];
  /** Rotated files deleted by retention. */
  deleted: string[];
}

/** Reported through onError when the queue limit forced records out unwritten. */
export class RecordsDroppedError extends Error {
  constructor(
    readonly count: number,
    readonly totalDropped: number,
  ) {
    super(`${count} missed-block records dropped unwritten (queue full while the log could not be written; ${totalDropped} in total)`);
    this.name = 'RecordsDroppedError';
  }
}

export function writerOptionsFrom(cfg: MissedBlockLoggerConfig, extra: Partial<JsonlWriterOptions> = {}): JsonlWriterOptions {
  return {
    path: cfg.logFilePath,
    rotationSize: cfg.logRotationSize,
    rotationIntervalMs: cfg.logRotationIntervalMs,
    retentionDays: cfg.logRetentionDays,
    batchLogging: cfg.batchLogging,
    batchSize: cfg.batchSize,
    batchTimeoutMs: cfg.batchTimeoutMs,
    fsync: true,
    ...extra,
  };
}

const DEFAULT_MAX_QUEUED = 100_000;
const DEFAULT_RETRY_MS = 5_000;

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Largest single append: bounds the memory of one write and the bytes a failed append re-queues. */
const MAX_APPEND_BYTES = 4 << 20;

export class JsonlWriter {
  private readonly opts: Required<Omit<JsonlWriterOptions, 'onRotate' | 'onIdle'>> & Pick<JsonlWriterOptions, 'onRotate' | 'onIdle'>;
  /** Serialized lines (with '\n'), oldest first; serialized at write() so later mutation can't change them. */
  private queue: string[] = [];
  /** Lines taken from the queue by the append in progress; put back in front if it fails. */
  private inflight = 0;
  private batchTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private boundaryTimer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private opening: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private droppedTotal = 0;
  private droppedUnreported = 0;

  constructor(options: JsonlWriterOptions) {
    this.opts = {
      fsync: true,
      rotationIntervalMs: 0,
      maxQueued: DEFAULT_MAX_QUEUED,
      retryDelayMs: DEFAULT_RETRY_MS,
      onError: (err) => process.emitWarning(err),
      now: () => new Date(),
      ...options,
    };
  }

  get path(): string {
    return this.opts.path;
  }

  /** Records accepted by write() and not yet in the file. */
  get pending(): number {
    return this.queue.length + this.inflight;
  }

  /** Records dropped because the queue limit was reached. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /**
   * Prepare the log: create its directory, finish interrupted rotations, repair a torn last line,
   * apply retention. Never rejects for filesystem trouble: that goes to onError and appends retry.
   */
  open(): Promise<OpenReport> {
    const p = this.doOpen();
    this.opening = p;
    return p;
  }

  private async doOpen(): Promise<OpenReport> {
    const report: OpenReport = { repair: { action: 'none' }, finishedRotations: [], deleted: [] };
    const step = async (fn: () => Promise<void>): Promise<void> => {
      try {
        await fn();
      } catch (err) {
        this.opts.onError(asError(err));
      }
    };
    const file = this.opts.path;
    await step(async () => void (await mkdir(path.dirname(file), { recursive: true })));
    await step(async () => {
      report.finishedRotations = await finishInterruptedRotations(file, { fsync: this.opts.fsync });
      for (const r of report.finishedRotations) this.opts.onRotate?.(r);
    });
    await step(async () => void (report.repair = await repairTornTail(file, { fsync: this.opts.fsync })));
    await step(async () => void (report.deleted = await applyRetention(file, this.opts.retentionDays, this.opts.now())));
    // A file left from an interval that has since ended (the monitor was down over a boundary).
    if (this.opts.rotationIntervalMs > 0) {
      await this.rotateIfNeeded(0);
      this.scheduleBoundary();
    }
    return report;
  }

  /** Queue a record. Never throws; failures are reported through onError. */
  write(record: MissedBlock): void {
    if (this.closing) {
      this.opts.onError(new Error(`log writer for ${this.opts.path} is closed; record for block ${record.block_number} not written`));
      return;
    }
    this.queue.push(toLogLine(record) + '\n');
    this.enforceLimit();
    // While backing off after a failure, the retry timer (or an explicit flush) writes the queue.
    if (this.retryTimer) return;
    if (!this.opts.batchLogging || this.queue.length >= this.opts.batchSize) {
      void this.flush();
    } else if (!this.batchTimer) {
      // Left ref'd on purpose: queued records keep the process alive until they are written.
      this.batchTimer = setTimeout(() => void this.flush(), this.opts.batchTimeoutMs);
    }
  }

  private enforceLimit(): void {
    const over = this.pending - this.opts.maxQueued;
    if (over <= 0) return;
    // Only queued lines can go: the in-flight ones may already be in the file.
    const n = Math.min(over, this.queue.length);
    this.queue.splice(0, n);
    this.droppedTotal += n;
    this.droppedUnreported += n;
  }

  /**
   * Write everything queued. Resolves when the queue is empty or an append failed (reported
   * through onError, records kept, retry scheduled); never rejects. Concurrent calls share one
   * drain, so appends never interleave.
   */
  flush(): Promise<void> {
    if (!this.draining) {
      this.draining = this.drain().finally(() => {
        this.draining = null;
      });
    }
    return this.draining;
  }

  /** Flush, then refuse further writes. Safe to call more than once. Check `pending` afterwards. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.flush();
      this.clearTimers();
      if (this.boundaryTimer) clearTimeout(this.boundaryTimer);
      this.boundaryTimer = null;
    })();
    return this.closing;
  }

  private clearTimers(): void {
    if (this.batchTimer) clearTimeout(this.batchTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.batchTimer = this.retryTimer = null;
  }

  private async drain(): Promise<void> {
    await this.opening.catch(() => undefined);
    this.clearTimers();
    this.reportDrops();
    // An interval may have ended since the last append (called from the boundary timer with nothing queued).
    if (this.opts.rotationIntervalMs > 0) await this.rotateIfNeeded(0);
    while (this.queue.length > 0) {
      const lines = this.takeChunk();
      this.inflight = lines.length;
      try {
        await this.append(lines.join(''));
        this.inflight = 0;
      } catch (err) {
        this.inflight = 0;
        this.queue = lines.concat(this.queue);
        this.enforceLimit();
        this.opts.onError(asError(err));
        this.reportDrops();
        if (!this.closing) {
          // Unref'd: an outage can last forever, and retrying must not be what keeps a process alive.
          this.retryTimer = setTimeout(() => void this.flush(), this.opts.retryDelayMs);
          this.retryTimer.unref();
        }
        return;
      }
    }
    this.opts.onIdle?.();
  }

  private reportDrops(): void {
    if (this.droppedUnreported === 0) return;
    const n = this.droppedUnreported;
    this.droppedUnreported = 0;
    this.opts.onError(new RecordsDroppedError(n, this.droppedTotal));
  }

  /**
   * The next append: at most batchSize lines, and no more bytes than fit under the rotation size
   * (but always at least one line), so a rotation boundary falls between appends.
   */
  /**
   * The lines for one append (one fsync). batch_size decides when a flush starts; a backlog that
   * built up meanwhile (records arriving during the previous fsync) goes in one append up to
   * MAX_APPEND_BYTES rather than in batch_size slices: an fsync per 100 lines made the writer
   * fsync-bound at 0.44× pino (bench/writer.mjs), one per backlog 1.29×.
   */
  private takeChunk(): string[] {
    const limit = Math.min(this.opts.rotationSize > 0 ? this.opts.rotationSize : Infinity, MAX_APPEND_BYTES);
    let n = 0;
    let bytes = 0;
    while (n < this.queue.length) {
      const b = Buffer.byteLength(this.queue[n]);
      if (n > 0 && bytes + b > limit) break;
      bytes += b;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async append(text: string): Promise<void> {
    const data = Buffer.from(text);
    // The size rotation just read saves a stat of the open file (one thread-pool round trip less per append).
    const known = await this.rotateIfNeeded(data.length);
    const file = this.opts.path;
    let h: FileHandle;
    try {
      h = await open(file, 'a');
    } catch (err) {
      // The directory can vanish under a long-running writer (someone cleaned logs/); recreate it.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(path.dirname(file), { recursive: true });
      h = await open(file, 'a');
    }
    try {
      const start = known ?? (await h.stat()).size;
      try {
        let done = 0;
        while (done < data.length) done += (await h.write(data, done, data.length - done)).bytesWritten;
        // The interval this file belongs to is read back from its mtime: stamp it with our clock.
        if (this.opts.rotationIntervalMs > 0) {
          const now = this.opts.now();
          await h.utimes(now, now);
        }
        // fdatasync: the line and the file's new size reach the disk; the mtime only matters
        // (and is flushed with fsync) when rotation reads it back.
        if (this.opts.fsync) await (this.opts.rotationIntervalMs > 0 ? h.sync() : h.datasync());
      } catch (err) {
        // The batch stays queued and will be retried, so take back any part of it that got in:
        // otherwise the retry would double lines or glue onto a half line.
        await h.truncate(start).catch(() => undefined);
        throw err;
      }
    } finally {
      await h.close();
    }
  }

  /**
   * Wake at the next UTC boundary to close the file even when nothing is written. Unref'd: it must
   * not keep a process alive. Re-armed after each run (and each open).
   */
  private scheduleBoundary(): void {
    if (this.closing || !(this.opts.rotationIntervalMs > 0)) return;
    if (this.boundaryTimer) clearTimeout(this.boundaryTimer);
    const now = this.opts.now();
    const wait = Math.max(1, nextBoundary(now, this.opts.rotationIntervalMs).getTime() - now.getTime());
    this.boundaryTimer = setTimeout(() => {
      this.boundaryTimer = null;
      void this.flush().then(() => this.scheduleBoundary());
    }, wait);
    this.boundaryTimer.unref();
  }

  /** Rotates when due; returns the active file's size when it read it and left the file in place. */
  private async rotateIfNeeded(incoming: number): Promise<number | undefined> {
    const limit = this.opts.rotationSize;
    const every = this.opts.rotationIntervalMs;
    if (!(limit > 0) && !(every > 0)) return undefined;
    const file = this.opts.path;
    let size: number;
    let mtimeMs: number;
    try {
      const st = await stat(file);
      // Not a regular file (a device, or a directory in the way): nothing we should rename.
      if (!st.isFile()) return undefined;
      size = st.size;
      mtimeMs = st.mtimeMs;
    } catch {
      return undefined; // missing: the append creates it; other problems surface from the append itself
    }
    if (size === 0) return size;
    const now = this.opts.now();
    const boundary = dueBoundary(mtimeMs, now, every);
    if (!boundary && (!(limit > 0) || size + incoming <= limit)) return size;
    try {
      // A compression an earlier failure left half done goes first, so names stay in time order.
      const finished = await finishInterruptedRotations(file, { fsync: this.opts.fsync });
      for (const r of finished) this.opts.onRotate?.(r);
      // A time rotation is named by the boundary that closed the file, a size rotation by now.
      const rotated = await rotateActive(file, boundary ?? now, { fsync: this.opts.fsync });
      if (rotated) this.opts.onRotate?.(rotated);
      await applyRetention(file, this.opts.retentionDays, now);
    } catch (err) {
      // Rotation trouble must not stop logging: report it and append to whichever file is active.
      this.opts.onError(asError(err));
    }
    return undefined;
  }
}
