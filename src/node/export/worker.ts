// The batch processor of a CSV export (export-log.ts): it takes a batch of log lines and returns,
// for each line, either its finished CSV row and collapse key or "slow" — export-log.ts then
// handles that line exactly as the record-by-record path does (ajv's message, papaparse). Profiled
// on a 1M-line log, parsing (JSON.parse, decoding, validation, row formatting) is most of an
// export; this does it without building record objects, ajv or per-line UTF-8 decoding (ASCII
// batches are decoded as latin1, which is the same text and cheaper).
//
// It claims a line only when it is certain: a plain object whose fields pass the hand-written
// check of log/fast-validate.ts (at least as strict as the schema), so a line it accepts is one
// ajv accepts too and its row is the one csv-bytes.ts writes. Anything else — invalid JSON,
// schema errors, numbers beyond 2^53, odd UTF-8 — comes back as "slow".
//
// The code is a string so that the same code runs in this thread and, on request, in worker
// threads started with `eval: true` (one bundle, dist/cli.js or the extension's, needs no extra
// worker file). test/unit/export-parallel.test.ts checks its rows and keys against
// writeCsvRow/numericKey/recordKey and whole exports against the record-by-record path.
import { MAX_FAST_ROW_BYTES } from './csvBytes';
import { FAST_VALIDATE_SOURCE } from '../log/fastValidate';
import { MAX_NUMERIC_KEY_BLOCK } from '../log/keyscan';
import { MISSED_BLOCK_KINDS, MISSED_BLOCK_REASONS, MISSED_BLOCK_SEVERITIES } from '../../core/model';

/** Per-line status in a job's result. */
export const LINE_SKIP = 0;
export const LINE_ROW = 1;
export const LINE_SLOW = 2;

/** Marks a row whose key is in `strKeys` (recordKey) rather than in `keys` (numericKey). */
export const STRING_KEY = -1;

/**
 * One batch, sent to a worker and returned filled in (its buffers are transferred both ways and
 * reused). Line i is bytes [spans[2i], spans[2i+1]) of `buf` (spans[2i] < 0: overlong).
 */
export interface ExportJob {
  id: number;
  buf: ArrayBuffer;
  /** Where the batch starts in `buf` (0 for a job of its own; a batch parsed in place may not). */
  off?: number;
  len: number;
  spans: Int32Array;
  count: number;
  // Filled in by the worker:
  status: Uint8Array;
  out: ArrayBuffer;
  outLen: number;
  /** Byte length of each row, in row order. */
  lens: Uint32Array;
  /** numericKey of each row, or STRING_KEY. */
  keys: Float64Array;
  /** recordKey of each STRING_KEY row, in order. */
  strKeys: string[];
  rows: number;
  error?: string;
}

export interface WorkerConfig {
  reasons: readonly string[];
  severities: readonly string[];
  kinds: readonly string[];
  maxRowBytes: number;
  maxNumericKeyBlock: number;
}

export function workerConfig(): WorkerConfig {
  return {
    reasons: MISSED_BLOCK_REASONS,
    severities: MISSED_BLOCK_SEVERITIES,
    kinds: MISSED_BLOCK_KINDS,
    maxRowBytes: MAX_FAST_ROW_BYTES,
    maxNumericKeyBlock: MAX_NUMERIC_KEY_BLOCK,
  };
}

/** Defines `makeProcessor(cfg)`, which returns `processJob(job)`: fills in a job's results. */
export const JOB_PROCESSOR_SOURCE = `${FAST_VALIDATE_SOURCE}
${String.raw`
const { isAscii, isUtf8 } = require('node:buffer');
function makeProcessor(cfg) {
  const valid = makeFastValidator(cfg);
  const NAMES = new Map();
  for (const n of cfg.reasons) NAMES.set(n, Buffer.from(n));
  const SEVERITY = new Map();
  for (const n of cfg.severities) SEVERITY.set(n, Buffer.from(n));
  const KIND = new Map();
  cfg.kinds.forEach((k, i) => KIND.set(k, i));
  const MISSED_SLOT = 'missed_slot';
  const TRUE = Buffer.from('true');
  const FALSE = Buffer.from('false');
  const MAX_ROW = cfg.maxRowBytes;
  const MAX_KEY_BLOCK = cfg.maxNumericKeyBlock;
  const PAIRS = Buffer.from(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''));

  function digitCount(n) {
    if (n < 1e5) return n < 10 ? 1 : n < 100 ? 2 : n < 1e3 ? 3 : n < 1e4 ? 4 : 5;
    if (n < 1e10) return n < 1e6 ? 6 : n < 1e7 ? 7 : n < 1e8 ? 8 : n < 1e9 ? 9 : 10;
    let d = 10;
    for (let t = n / 1e10; t >= 1; t /= 10) d++;
    return d;
  }

  function writeUint(buf, pos, n) {
    const end = pos + digitCount(n);
    let p = end;
    while (n > 0x7fffffff) {
      const q = Math.floor(n / 100);
      const r = (n - q * 100) * 2;
      buf[--p] = PAIRS[r + 1];
      buf[--p] = PAIRS[r];
      n = q;
    }
    while (n >= 100) {
      const q = (n / 100) | 0;
      const r = (n - q * 100) * 2;
      buf[--p] = PAIRS[r + 1];
      buf[--p] = PAIRS[r];
      n = q;
    }
    if (n >= 10) {
      buf[--p] = PAIRS[n * 2 + 1];
      buf[--p] = PAIRS[n * 2];
    } else buf[--p] = 48 + n;
    return end;
  }

  function writeBytes(buf, pos, b) {
    for (let i = 0; i < b.length; i++) buf[pos + i] = b[i];
    return pos + b.length;
  }

  // csv-bytes.ts's writeCsvRow for a record valid() accepted.
  function writeRow(r, buf, pos) {
    let p = writeUint(buf, pos, r.block_number);
    buf[p++] = 44;
    p = writeBytes(buf, p, NAMES.get(r.reason));
    buf[p++] = 44;
    p = writeBytes(buf, p, SEVERITY.get(r.severity));
    buf[p++] = 44;
    p = writeUint(buf, p, r.expected_timestamp);
    buf[p++] = 44;
    p = writeUint(buf, p, r.actual_timestamp);
    buf[p++] = 44;
    p = writeUint(buf, p, r.recovery_attempts);
    buf[p++] = 44;
    p = writeBytes(buf, p, r.recovered ? TRUE : FALSE);
    buf[p++] = 44;
    p = writeUint(buf, p, r.timestamp);
    buf[p++] = 10;
    return p;
  }

  return function processJob(job) {
    const count = job.count;
    const spans = job.spans;
    const buf = Buffer.from(job.buf, job.off || 0, job.len);
    if (job.status.length < count) job.status = new Uint8Array(count * 2);
    if (job.lens.length < count) job.lens = new Uint32Array(count * 2);
    if (job.keys.length < count) job.keys = new Float64Array(count * 2);
    const status = job.status;
    const lens = job.lens;
    const keys = job.keys;
    const strKeys = [];
    let out = Buffer.from(job.out);
    let o = 0;
    let rows = 0;
    const ascii = isAscii(buf);
    const utf8 = ascii || isUtf8(buf);
    for (let i = 0; i < count; i++) {
      const s = spans[2 * i];
      const e = spans[2 * i + 1];
      status[i] = 2;
      if (s < 0) continue;
      let j = s;
      while (j < e) {
        const c = buf[j];
        if (c !== 32 && c !== 9 && c !== 13) break;
        j++;
      }
      if (j === e) {
        status[i] = 0;
        continue;
      }
      if (!utf8 && !isUtf8(buf.subarray(s, e))) continue;
      let v;
      try {
        v = JSON.parse(ascii ? buf.latin1Slice(s, e) : buf.utf8Slice(s, e));
      } catch {
        continue;
      }
      if (!valid(v)) continue;
      // Kinds past the first four have no numeric key: a missed payload's holds its beacon slot and
      // relay, a missed transaction's its hash (recordKey); the record-by-record path keys them.
      if (v.kind !== undefined && KIND.get(v.kind) >= 4) continue;
      if (o + MAX_ROW > out.length) {
        const bigger = Buffer.from(new ArrayBuffer(Math.max(out.length * 2, o + MAX_ROW)));
        out.copy(bigger, 0, 0, o);
        out = bigger;
      }
      const end = writeRow(v, out, o);
      lens[rows] = end - o;
      o = end;
      const kind = v.kind;
      const b = v.block_number;
      if (b <= MAX_KEY_BLOCK && !(kind === MISSED_SLOT && v.slot !== undefined)) {
        keys[rows] = b * 4 + (kind === undefined ? 0 : KIND.get(kind));
      } else {
        keys[rows] = -1;
        const k = kind === undefined ? 'gap' : kind;
        strKeys.push(k === MISSED_SLOT && v.slot !== undefined ? b + ':' + k + ':' + v.slot : b + ':' + k);
      }
      rows++;
      status[i] = 1;
    }
    job.out = out.buffer;
    job.outLen = o;
    job.rows = rows;
    job.strKeys = strKeys;
    return job;
  };
}
`}`;

/** The worker's entry: one processor, answering each job with its filled-in buffers. */
const WORKER_MAIN = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const processJob = makeProcessor(workerData);
parentPort.on('message', (job) => {
  try {
    processJob(job);
  } catch (err) {
    job.error = String((err && err.stack) || err);
  }
  parentPort.postMessage(job, [job.buf, job.spans.buffer, job.status.buffer, job.out, job.lens.buffer, job.keys.buffer]);
});
`;

export const WORKER_SOURCE = `${JOB_PROCESSOR_SOURCE}\n${WORKER_MAIN}`;

/** The job processor, run in this thread (export-log.ts's in-thread batches; tests). */
export function makeJobProcessor(cfg: WorkerConfig = workerConfig()): (job: ExportJob) => ExportJob {
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('require', `${JOB_PROCESSOR_SOURCE}\nreturn makeProcessor;`)(require)(cfg) as (job: ExportJob) => ExportJob;
}
