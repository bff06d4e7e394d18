// `mbm export` of log files: the same output as exportRecords(readLog(...)) — collapsed, each key
// at the position of its first record with the content of its last — but every line is parsed
// once. The reader's collapsing needs a key pass before the parse pass; measured on a 1M-line log
// that pass costs most of a JSON.parse pass again. Here rows are formatted as records arrive and
// spooled (rowSpool.ts); a record rewritten later replaces the row of its key's first record (and
// its own row is dropped); the rows are copied out at the end.
//
// A CSV export without a filter takes the lines in batches to export-worker.ts's processor, which
// parses, validates and formats a batch into rows and keys in one go (no record objects kept, no
// ajv for valid lines, no per-line UTF-8 decoding of ASCII text). On request it also uses more
// cores: worker threads process batches while this thread reads the next ones, collapses and
// spools the finished rows in file order, and processes batches itself when the workers have
// enough. A line the processor is not certain about (a bad line, a row papaparse must quote...)
// is handled here exactly as in the record-by-record path, so output and bad-line reports are
// the same either way. JSON and filtered exports go record by record.
import { availableParallelism, loadavg } from 'node:os';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { MAX_FAST_ROW_BYTES, writeCsvRow } from './csvBytes';
import { csvHeader, csvRow, writeTo, type ExportFormat } from './export';
import { LINE_ROW, LINE_SLOW, WORKER_SOURCE, makeJobProcessor, workerConfig, type ExportJob } from './worker';
import { numericKey } from '../log/keyscan';
import { KeyIndex } from '../log/keyset';
import type { LineBatch } from '../log/lines';
import { heldBytes, logBytes, logLineBatches, parseAt, readLogBatches, type BadLine } from '../log/reader';
import { recordKey, toLogLine, type MissedBlock } from '../../core/model';
import { RowSpool } from './rowSpool';

export interface ExportLogOptions {
  format: ExportFormat;
  out: Writable;
  filter?(r: MissedBlock): boolean;
  onBadLine?(e: BadLine): void;
  /** Bytes of the logs read so far, of `total`. */
  onProgress?(done: number, total: number): void;
  /**
   * `out` has written each chunk by the time write() returns (a synchronous file writer, like the
   * CLI's --output): the final copy then reuses one buffer instead of allocating one per read.
   * Not for a stream that queues chunks or hands them on (a pipe, a PassThrough).
   */
  syncOut?: boolean;
  /** Rows kept in memory before spilling to a temporary file (tests make it tiny). */
  spoolMemoryBytes?: number;
  /**
   * Worker threads parsing a CSV export without a filter, besides this one. Default: the
   * environment variable MBM_EXPORT_WORKERS, else one worker for a large input (≥ 64 MiB) when
   * a second core is there and mostly idle (1-minute load below cores − 0.5), else none. Measured on the
   * 2-core bench machine, 1M lines: idle, one worker took the export from 2.17 s to 1.62 s wall
   * (+30 MB RSS); with the other core busy (load 4–10) it cost 1 s more, hence the load check.
   */
  workers?: number;
}

/** Batches handed to each worker at a time: one to work on, one waiting (while we merge). */
const JOBS_PER_WORKER = 2;
/** Batches read ahead of the oldest unmerged one (about 1.5 MB each). */
const MAX_QUEUED_JOBS = 8;

/** Below this much input a worker's start-up (~40 ms) costs more than the parsing it takes over. */
const WORKER_MIN_BYTES = 64 << 20;

function defaultWorkers(inputBytes: number): number {
  const env = process.env.MBM_EXPORT_WORKERS;
  if (env !== undefined && env !== '' && Number.isInteger(Number(env))) return Math.min(Math.max(0, Number(env)), availableParallelism());
  const cores = availableParallelism();
  return inputBytes >= WORKER_MIN_BYTES && cores >= 2 && loadavg()[0] < cores - 0.5 ? 1 : 0;
}

export async function exportLog(paths: string | readonly string[], opts: ExportLogOptions): Promise<{ records: number }> {
  const json = opts.format === 'json';
  if (!json && opts.format !== 'csv') throw new Error(`unknown export format ${JSON.stringify(opts.format)}`);
  const spool = new RowSpool(opts.spoolMemoryBytes);
  const bytes = await logBytes(paths);
  // Per key: 1 + the spool index of the row of its first record (the key's place in the output).
  // Sized up front from the input (≥ 256 bytes a line): growing it costs more than the space.
  let rows = new KeyIndex(Math.min(bytes / 256, 1 << 20));
  let bigRows = new Map<string, number>();
  /**
   * Row `row` was spooled for `key`. The key's first row stays its place: a later row is dropped
   * and the index of the first returned, for the caller to replace it with the later bytes; -1
   * for a key's first row.
   */
  const keep = (key: number | string, row: number): number => {
    let first: number;
    if (typeof key === 'number') {
      first = rows.upsert(key, row + 1);
      if (first !== -1) rows.set(key, first);
    } else {
      first = bigRows.get(key) ?? -1;
      if (first === -1) bigRows.set(key, row + 1);
    }
    if (first === -1) return -1;
    spool.drop(row);
    return first - 1;
  };
  const rowText = (r: MissedBlock) => (json ? `,\n${toLogLine(r)}` : csvRow(r));
  const add = (r: MissedBlock) => {
    // Filter after collapsing: a record that does not match still hides its older versions. One
    // that does not match gets an empty row, which keeps its key's place for a later version.
    const match = !opts.filter || opts.filter(r);
    let row = -1;
    if (match) {
      row = json ? -1 : spool.addWith(writeCsvRow, r, MAX_FAST_ROW_BYTES);
      if (row < 0) row = spool.add(rowText(r));
    } else row = spool.add('');
    const key = numericKey(r.block_number, r.kind, r.slot);
    const first = keep(key >= 0 ? key : recordKey(r), row);
    if (first >= 0) spool.replace(first, match ? Buffer.from(rowText(r)) : null);
  };
  try {
    if (!json && !opts.filter) await batchPass(paths, opts, opts.workers ?? defaultWorkers(bytes), spool, keep, add);
    else {
      for await (const batch of readLogBatches(paths, { collapse: false, onBadLine: opts.onBadLine, onProgress: opts.onProgress })) {
        for (let i = 0; i < batch.length; i++) add(batch[i].record);
        spool.flush();
      }
    }
    // The index (16 MB for a million keys) is done with: let it go before the copy's buffers come.
    rows = new KeyIndex(0);
    bigRows = new Map();
    const write = writeTo(opts.out);
    await write(json ? '[' : csvHeader());
    await spool.copyTo(write, { skipFirstByte: json, reuseBuffers: opts.syncOut === true });
    if (json) await write(spool.size === 0 ? ']\n' : '\n]\n');
    return { records: spool.size };
  } finally {
    spool.dispose();
  }
}

/** A batch out with a worker, and what is needed to finish it here. */
interface Pending {
  job: Promise<ExportJob>;
  /** The finished job, once it is. */
  done?: ExportJob;
  file: string;
  firstLine: number;
}

/** Worker threads running export-worker.ts's processor; jobs come back in the order given to each. */
class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve(j: ExportJob): void; reject(e: Error): void }>();
  private next = 0;
  private failed?: Error;

  constructor(n: number) {
    for (let i = 0; i < n; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: workerConfig() });
      w.on('message', (job: ExportJob) => {
        const p = this.waiting.get(job.id);
        this.waiting.delete(job.id);
        if (job.error !== undefined) p?.reject(new Error(`export worker: ${job.error}`));
        else p?.resolve(job);
      });
      w.on('error', (err) => this.fail(err));
      w.on('exit', (code) => this.fail(new Error(`export worker exited (${code})`)));
      this.workers.push(w);
    }
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const p of this.waiting.values()) p.reject(err);
    this.waiting.clear();
  }

  /** Jobs out with the workers. */
  get busy(): number {
    return this.waiting.size;
  }

  run(job: ExportJob): Promise<ExportJob> {
    if (this.failed) return Promise.reject(this.failed);
    const w = this.workers[this.next];
    this.next = (this.next + 1) % this.workers.length;
    const done = new Promise<ExportJob>((resolve, reject) => this.waiting.set(job.id, { resolve, reject }));
    w.postMessage(job, [job.buf, job.spans.buffer as ArrayBuffer, job.status.buffer as ArrayBuffer, job.out, job.lens.buffer as ArrayBuffer, job.keys.buffer as ArrayBuffer]);
    return done;
  }

  async close(): Promise<void> {
    this.failed ??= new Error('export worker pool closed');
    for (const w of this.workers) w.removeAllListeners('exit');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function newJob(id: number, bufBytes = 1 << 20): ExportJob {
  return {
    id,
    buf: new ArrayBuffer(bufBytes),
    len: 0,
    spans: new Int32Array(8192),
    count: 0,
    status: new Uint8Array(4096),
    out: new ArrayBuffer(512 << 10),
    outLen: 0,
    lens: new Uint32Array(4096),
    keys: new Float64Array(4096),
    strKeys: [],
    rows: 0,
  };
}

/** Copies a batch (reused by the reader) into a job's own buffers. */
function fill(job: ExportJob, b: LineBatch): void {
  const len = heldBytes(b);
  if (job.buf.byteLength < len) job.buf = new ArrayBuffer(len);
  new Uint8Array(job.buf).set(b.buf.subarray(0, len));
  job.len = len;
  if (job.spans.length < 2 * b.count) job.spans = new Int32Array(2 * b.count);
  job.spans.set(b.spans.subarray(0, 2 * b.count));
  job.count = b.count;
}

/** The CSV export's lines through job processors: `n` worker threads and this one. */
async function batchPass(
  paths: string | readonly string[],
  opts: ExportLogOptions,
  n: number,
  spool: RowSpool,
  keep: (key: number | string, row: number) => number,
  add: (r: MissedBlock) => void,
): Promise<void> {
  const pool = new WorkerPool(n);
  const processInline = makeJobProcessor();
  const free: ExportJob[] = [];
  const inPlace = newJob(-1, 0);
  const queue: Pending[] = [];
  let ids = 0;

  /** Takes a finished job's rows (and handles its slow lines) in line order. */
  const merge = (job: ExportJob, file: string, firstLine: number) => {
    const out = new Uint8Array(job.out, 0, job.outLen);
    const { status, lens, keys, strKeys } = job;
    let row = 0; // rows of the job taken so far
    let off = 0; // byte offset of row `row`
    let runRow = 0; // first row of the run not yet spooled
    let runOff = 0;
    let sk = 0;
    const flushRun = () => {
      if (row === runRow) return;
      const first = spool.addRun(out, runOff, off, lens, runRow, row - runRow);
      for (let j = runRow, o = runOff; j < row; o += lens[j], j++) {
        const key = keys[j];
        const replaces = keep(key >= 0 ? key : strKeys[sk++], first + (j - runRow));
        if (replaces >= 0) spool.replace(replaces, Buffer.from(out.subarray(o, o + lens[j])));
      }
      runRow = row;
      runOff = off;
    };
    let batch: LineBatch | undefined;
    for (let i = 0; i < job.count; i++) {
      const st = status[i];
      if (st === LINE_ROW) off += lens[row++];
      else if (st === LINE_SLOW) {
        flushRun();
        batch ??= { buf: Buffer.from(job.buf, job.off ?? 0, job.len), spans: job.spans, count: job.count, firstLine, bytesRead: 0 };
        const p = parseAt(batch, i, false);
        if (p.ok) add(p.record);
        else opts.onBadLine?.({ file, line: firstLine + i, message: p.message, ...(p.column !== undefined ? { column: p.column } : {}) });
      }
    }
    flushRun();
    spool.flush();
    if (job !== inPlace) free.push(job);
  };

  const settle = (p: Pending) => {
    p.job.then(
      (job) => (p.done = job),
      () => undefined,
    );
    return p;
  };
  try {
    for await (const { file, batch } of logLineBatches(paths, { onProgress: opts.onProgress })) {
      if (batch.count === 0) continue;
      // Finished jobs first (in order), so rows reach the spool steadily.
      while (queue.length > 0 && queue[0].done) {
        const p = queue.shift()!;
        merge(p.done!, p.file, p.firstLine);
      }
      if (queue.length === 0 && pool.busy >= n * JOBS_PER_WORKER) {
        // Nothing ahead of this batch and the workers (if any) busy: parse it where it lies, no copy.
        inPlace.buf = batch.buf.buffer as ArrayBuffer;
        inPlace.off = batch.buf.byteOffset;
        inPlace.len = heldBytes(batch);
        inPlace.spans = batch.spans;
        inPlace.count = batch.count;
        merge(processInline(inPlace), file, batch.firstLine);
        continue;
      }
      if (queue.length >= MAX_QUEUED_JOBS) {
        const p = queue.shift()!;
        merge(await p.job, p.file, p.firstLine);
      }
      const job = free.pop() ?? newJob(ids++);
      fill(job, batch);
      if (pool.busy < n * JOBS_PER_WORKER) queue.push(settle({ job: pool.run(job), file, firstLine: batch.firstLine }));
      else {
        // The workers have enough to do: this thread parses the batch itself meanwhile.
        processInline(job);
        queue.push({ job: Promise.resolve(job), done: job, file, firstLine: batch.firstLine });
      }
    }
    while (queue.length > 0) {
      const p = queue.shift()!;
      merge(await p.job, p.file, p.firstLine);
    }
  } finally {
    // A failure leaves jobs out: let them settle (rejected) before the workers go.
    await Promise.allSettled(queue.map((p) => p.job));
    await pool.close();
  }
}
