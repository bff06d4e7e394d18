// The batch processor of a CSV export (exportLog.ts): it takes a batch of log lines and returns,
// for each line, either its finished CSV row and collapse key or "slow" — exportLog.ts then
// handles that line exactly as the record-by-record path does (ajv's message, papaparse). Profiled
// on a 1M-line log, parsing (JSON.parse, decoding, validation, row formatting) is most of an
// export; this does it without building record objects, ajv or per-line UTF-8 decoding (ASCII
// batches are decoded as latin1, which is the same text and cheaper).
//
// It claims a line only when it is certain: a plain object that passes log/fastValidate.ts's
// check (at least as strict as the schema), so a line it accepts is one ajv accepts too, and its
// row is csvBytes.ts's writeCsvRow and its key numericKey/recordKey — the very functions, imported.
// Anything else — invalid JSON, schema errors, numbers beyond 2^53, odd UTF-8 — comes back as
// "slow".
//
// The same processor runs in this thread (exportLog.ts's inline batches) and in worker threads,
// whose entry is exportWorkerMain.ts (its own bundle, dist/exportWorker.js).
// test/unit/export-parallel.test.ts checks whole exports against the record-by-record path.
import { isAscii, isUtf8 } from 'node:buffer';
import type { MissedBlock } from '../../core/model';
import { MISSED_BLOCK_KINDS, recordKey } from '../../core/model';
import { MAX_FAST_ROW_BYTES, writeCsvRow } from './csvBytes';
import { fastValid } from '../log/fastValidate';
import { KEY_UNKNOWN, numericKey } from '../log/keyscan';

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

/**
 * Buffer's decoding methods without toString's argument checks (undocumented but stable since
 * Node 0.x; measurably cheaper per line on the export benchmark).
 */
type SlicingBuffer = Buffer & { latin1Slice(start: number, end: number): string; utf8Slice(start: number, end: number): string };

/** The kinds numericKey can key (the first four); the others go the record-by-record way. */
const NUMERIC_KEY_KINDS: ReadonlySet<string> = new Set(MISSED_BLOCK_KINDS.slice(0, 4));

/** The job processor: fills in a job's results (in this thread, or in a worker's). */
export function makeJobProcessor(): (job: ExportJob) => ExportJob {
  return processJob;
}

function processJob(job: ExportJob): ExportJob {
  const count = job.count;
  const spans = job.spans;
  const buf = Buffer.from(job.buf, job.off ?? 0, job.len) as SlicingBuffer;
  if (job.status.length < count) job.status = new Uint8Array(count * 2);
  if (job.lens.length < count) job.lens = new Uint32Array(count * 2);
  if (job.keys.length < count) job.keys = new Float64Array(count * 2);
  const status = job.status;
  const lens = job.lens;
  const keys = job.keys;
  const strKeys: string[] = [];
  let out = Buffer.from(job.out);
  let o = 0;
  let rows = 0;
  const ascii = isAscii(buf);
  const utf8 = ascii || isUtf8(buf);
  for (let i = 0; i < count; i++) {
    const s = spans[2 * i];
    const e = spans[2 * i + 1];
    status[i] = LINE_SLOW;
    if (s < 0) continue;
    let j = s;
    while (j < e) {
      const c = buf[j];
      if (c !== 32 && c !== 9 && c !== 13) break;
      j++;
    }
    if (j === e) {
      status[i] = LINE_SKIP;
      continue;
    }
    if (!utf8 && !isUtf8(buf.subarray(s, e))) continue;
    let v: unknown;
    try {
      v = JSON.parse(ascii ? buf.latin1Slice(s, e) : buf.utf8Slice(s, e));
    } catch {
      continue;
    }
    if (!fastValid(v)) continue;
    const r = v as MissedBlock;
    // Kinds past the first four have no numeric key: a missed payload's holds its beacon slot and
    // relay, a missed transaction's its hash (recordKey); the record-by-record path keys them.
    if (r.kind !== undefined && !NUMERIC_KEY_KINDS.has(r.kind)) continue;
    if (o + MAX_FAST_ROW_BYTES > out.length) {
      const bigger = Buffer.from(new ArrayBuffer(Math.max(out.length * 2, o + MAX_FAST_ROW_BYTES)));
      out.copy(bigger, 0, 0, o);
      out = bigger;
    }
    const end = writeCsvRow(r, out, o);
    if (end < 0) continue;
    lens[rows] = end - o;
    o = end;
    const key = numericKey(r.block_number, r.kind, r.slot);
    if (key === KEY_UNKNOWN) {
      keys[rows] = STRING_KEY;
      strKeys.push(recordKey(r));
    } else keys[rows] = key;
    rows++;
    status[i] = LINE_ROW;
  }
  job.out = out.buffer as ArrayBuffer;
  job.outLen = o;
  job.rows = rows;
  job.strKeys = strKeys;
  return job;
}
