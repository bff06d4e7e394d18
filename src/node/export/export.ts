// Streaming export of records as CSV (the relay's columns) or as one JSON array of log objects.
//
// CSV quoting and formula-injection escaping are papaparse's. Papa.unparse costs about as much as
// parsing the log, though, and for a validated record every cell is a whole number, a boolean or
// one of the fixed enum names, none of which can need quoting or escaping; such rows are written
// directly as bytes (csvBytes.ts; the tests check they equal Papa's output byte for byte). Any
// other row goes through Papa.unparse.
//
// exportRecords() takes any stream of records (the live monitor, the HTTP API); exportLog.ts is
// the faster path for whole log files.
import type { Writable } from 'node:stream';
import Papa from 'papaparse';
import { MAX_FAST_ROW_BYTES, writeCsvRow } from './csvBytes';
import { MISSED_BLOCK_REASONS, MISSED_BLOCK_SEVERITIES, toLogLine, type MissedBlock } from '../../core/model';

export type ExportFormat = 'csv' | 'json';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json'];

/** Column order of the relay's CSV; `missed_at` is the record's `timestamp`. */
export const CSV_COLUMNS = [
  'block_number',
  'reason',
  'severity',
  'expected_timestamp',
  'actual_timestamp',
  'recovery_attempts',
  'recovered',
  'missed_at',
] as const;

/**
 * Spreadsheet formula triggers (= + - @ tab CR at the start of a text cell). Papa's own default
 * pattern ends in `.*$` without the s flag, so it misses "=cmd\n..." (a cell with a newline).
 */
export const FORMULA_START = /^[=+\-@\t\r]/;

const PAPA_CONFIG: Papa.UnparseConfig = { header: false, newline: '\n', escapeFormulae: FORMULA_START };

export interface ExportOptions {
  format: ExportFormat;
  out: Writable;
  /** Called after each batch with the number of records written so far. */
  onProgress?(records: number): void;
}

export type RecordStream = AsyncIterable<MissedBlock | readonly MissedBlock[]> | Iterable<MissedBlock | readonly MissedBlock[]>;

const SAFE_TEXT = new Set<unknown>([...MISSED_BLOCK_REASONS, ...MISSED_BLOCK_SEVERITIES]);
const WRITE_AT = 64 * 1024;
/** Below malloc's mmap threshold, so the allocator reuses the memory (big buffers page-fault). */
const STAGE_BYTES = 96 * 1024;

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\n`;
}

function csvCells(r: MissedBlock): unknown[] {
  return [r.block_number, r.reason, r.severity, r.expected_timestamp, r.actual_timestamp, r.recovery_attempts, r.recovered, r.timestamp];
}

/** Papa's rendering of a row; numbers stay numbers (so -5 is not "escaped"), text is quoted and escaped as needed. */
export function csvRowViaPapa(r: MissedBlock): string {
  return `${Papa.unparse([csvCells(r)], PAPA_CONFIG)}\n`;
}

/** One CSV row with its '\n'. */
export function csvRow(r: MissedBlock): string {
  const n = typeof r.block_number === 'number' && typeof r.expected_timestamp === 'number' && typeof r.actual_timestamp === 'number';
  if (
    n &&
    typeof r.recovery_attempts === 'number' &&
    typeof r.timestamp === 'number' &&
    typeof r.recovered === 'boolean' &&
    SAFE_TEXT.has(r.reason) &&
    SAFE_TEXT.has(r.severity)
  ) {
    return `${r.block_number},${r.reason},${r.severity},${r.expected_timestamp},${r.actual_timestamp},${r.recovery_attempts},${r.recovered},${r.timestamp}\n`;
  }
  return csvRowViaPapa(r);
}

/** Writes `chunk`, waiting for 'drain' when the stream asks us to (backpressure). */
async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (out.destroyed) throw Object.assign(new Error('output closed'), { code: 'ERR_STREAM_DESTROYED' });
  if (out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (e: Error) => done(e);
    const onClose = () => done(Object.assign(new Error('output closed'), { code: 'ERR_STREAM_DESTROYED' }));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

/** A writer bound to `out` that resolves when `out` can take more (rejects if it breaks). */
export function writeTo(out: Writable): (chunk: string | Buffer) => Promise<void> {
  return (chunk) => write(out, chunk);
}

/**
 * Streams `records` (single records or batches of them) to `out` as CSV or a JSON array. Does not
 * end `out`. Resolves with the number of records written.
 */
export async function exportRecords(records: RecordStream, opts: ExportOptions): Promise<{ records: number }> {
  const { out, format } = opts;
  const json = format === 'json';
  if (!json && format !== 'csv') throw new Error(`unknown export format ${JSON.stringify(format)}`);
  let count = 0;
  // CSV rows are written as bytes into a staging buffer (see csvBytes.ts); JSON as text.
  let stage: Buffer = Buffer.allocUnsafe(STAGE_BYTES);
  let used = 0;
  let text = json ? '[' : '';
  if (!json) used = stage.write(csvHeader());
  const add = (r: MissedBlock) => {
    if (json) text += `${count === 0 ? '\n' : ',\n'}${toLogLine(r)}`;
    else {
      const end = writeCsvRow(r, stage, used);
      if (end >= 0) used = end;
      else {
        const row = csvRowViaPapa(r);
        if (used + Buffer.byteLength(row) > stage.length) stage = grow(stage, used, Buffer.byteLength(row));
        used += stage.write(row, used);
      }
    }
    count++;
  };
  const flush = async () => {
    if (json) {
      await write(out, text);
      text = '';
    } else {
      // The stream may keep the chunk until it is written: hand it over and start a new buffer.
      await write(out, stage.subarray(0, used));
      stage = Buffer.allocUnsafe(STAGE_BYTES);
      used = 0;
    }
  };
  for await (const item of records as AsyncIterable<MissedBlock | readonly MissedBlock[]>) {
    if (Array.isArray(item)) {
      for (const r of item as readonly MissedBlock[]) {
        add(r);
        if (used > STAGE_BYTES - MAX_FAST_ROW_BYTES || text.length >= WRITE_AT) await flush();
      }
    } else add(item as MissedBlock);
    if (used > STAGE_BYTES - MAX_FAST_ROW_BYTES || text.length >= WRITE_AT) await flush();
    opts.onProgress?.(count);
  }
  if (json) text += count === 0 ? ']\n' : '\n]\n';
  await flush();
  return { records: count };
}

function grow(b: Buffer, used: number, need: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(b.length * 2, used + need));
  b.copy(bigger, 0, 0, used);
  return bigger;
}
