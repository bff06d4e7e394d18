// Reads missed-block logs (plain or gzip, with their rotated siblings) into records: bad lines are
// reported and skipped, repeated records of one (block_number, kind) collapse to the last one,
// which takes the place of the first (a recovered record stays where the miss was logged).
//
// Collapsing without holding the log in memory takes two passes. Pass 1 reads only keys
// (keyscan.ts: bytes, no JSON.parse) into a compact table, marks every line a later valid line
// supersedes and keeps the latest version of each rewritten key (rewrites are few: recoveries,
// escalations). Pass 2 parses, validates and yields in file order, each rewritten key's latest
// version at its first line. Both passes read the
// same open handles up to the size seen when opened, so an appending writer or a rotation in
// between cannot misalign them.
import { isUtf8 } from 'node:buffer';
import { stat } from 'node:fs/promises';
import { recordKey, type MissedBlock } from '../../core/model';
import { logFilesFor } from './files';
import { KEY_NONE, KEY_UNKNOWN, numericKey, scanKey } from './keyscan';
import { BitSet, KeyIndex } from './keyset';
import { isBlank, lineBatches, lineText, openLineSource, type LineBatch, type LineSource } from './lines';
import { MAX_LINE_BYTES, parseLogLine } from './validate';

export interface BadLine {
  file: string;
  line: number;
  message: string;
  column?: number;
}

export interface LogEntry {
  record: MissedBlock;
  file: string;
  line: number;
}

export interface ReadLogOptions {
  /** Called once per bad line, in file order; reading goes on. */
  onBadLine?(e: BadLine): void;
  /** Keep only the last record of each (block_number, kind). Default true. */
  collapse?: boolean;
  /** Applied after collapsing (so an old version of a record can never match). */
  filter?(r: MissedBlock): boolean;
  /** Read each active log's rotated siblings too (logFilesFor). Default true. */
  siblings?: boolean;
  /**
   * Read at most this many bytes of `file` (its size when opened otherwise): a reader that hands
   * the rest to a tailer stops at the last complete line it saw.
   */
  limit?(file: string, size: number): number;
  /** Bytes read so far over all passes, of `total`, for progress bars. */
  onProgress?(done: number, total: number): void;
}

/** A file that could not be opened or read to the end (missing, a directory, corrupt gzip...). */
export class LogReadError extends Error {
  constructor(
    readonly file: string,
    override readonly cause: Error,
  ) {
    super(`${file}: cannot read: ${describeError(cause)}`);
    this.name = 'LogReadError';
  }
}

function describeError(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return e.message;
}

/** The files to read for the paths a user gave: each active log's rotated siblings first, no file twice. */
export async function resolveLogFiles(paths: string | readonly string[], siblings = true): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of typeof paths === 'string' ? [paths] : paths) {
    for (const f of siblings ? await logFilesFor(p) : [p]) {
      if (!seen.has(f)) {
        seen.add(f);
        out.push(f);
      }
    }
  }
  return out;
}

/** Total size on disk of the files `paths` expand to (compressed size for .gz); unreadable ones count 0. */
export async function logBytes(paths: string | readonly string[]): Promise<number> {
  let n = 0;
  for (const f of await resolveLogFiles(paths)) n += await stat(f).then((s) => s.size, () => 0);
  return n;
}

/** Opens every file first, so an unreadable one fails the command before any output is written. */
async function openAll(files: string[]): Promise<LineSource[]> {
  const sources: LineSource[] = [];
  try {
    for (const f of files) {
      try {
        sources.push(await openLineSource(f));
      } catch (err) {
        throw new LogReadError(f, err as Error);
      }
    }
    return sources;
  } catch (err) {
    await closeAll(sources);
    throw err;
  }
}

async function closeAll(sources: LineSource[]): Promise<void> {
  await Promise.all(sources.map((s) => s.fh.close().catch(() => undefined)));
}

/** Batches of one source; read errors (a corrupt gzip stream) become LogReadError. */
async function* batchesOf(src: LineSource): AsyncGenerator<LineBatch> {
  try {
    yield* lineBatches(src);
  } catch (err) {
    throw err instanceof LogReadError ? err : new LogReadError(src.file, err as Error);
  }
}

export type Parsed = { ok: true; record: MissedBlock } | { ok: false; message: string; column?: number };

/** Parses line i of a batch; an overlong or non-UTF-8 line is an error without parsing. */
export function parseAt(b: LineBatch, i: number, utf8Checked: boolean): Parsed {
  const s = b.spans[2 * i];
  const e = b.spans[2 * i + 1];
  if (s < 0) return { ok: false, message: `line is ${e} bytes, longer than the ${MAX_LINE_BYTES} allowed` };
  if (!utf8Checked && !isUtf8(b.buf.subarray(s, e))) return { ok: false, message: 'line is not valid UTF-8' };
  return parseLogLine(lineText(b, i));
}

/** End of the last line of a batch held in its buffer (overlong lines are not held). */
function lastByte(b: LineBatch): number {
  for (let i = b.count - 1; i >= 0; i--) if (b.spans[2 * i] >= 0) return b.spans[2 * i + 1];
  return 0;
}

/** Numeric key of a parsed record, or its string key for block numbers too large for one. */
function keyOf(r: MissedBlock): number | string {
  const k = numericKey(r.block_number, r.kind, r.slot);
  return k >= 0 ? k : recordKey(r);
}

/**
 * Pass 1: which lines (by ordinal over all files, blank lines included) are superseded by a later
 * valid record with the same key, and for each rewritten key, its latest entry by the ordinal of
 * its first line (where it is yielded).
 */
async function findSuperseded(sources: LineSource[], progress: (n: number) => void): Promise<{ superseded: BitSet; latest: Map<number, LogEntry> }> {
  // Sized up front from the input (≥ 256 bytes a line): growing it costs more than the space.
  const bytes = sources.reduce((n, s) => n + s.size, 0);
  const last = new KeyIndex(Math.min(bytes / 256, 1 << 20));
  const lastBig = new Map<string, number>();
  const superseded = new BitSet();
  const firstOf = new Map<number | string, number>();
  const latest = new Map<number, LogEntry>();
  let ordinal = 0;
  for (const src of sources) {
    let before = 0;
    for await (const b of batchesOf(src)) {
      progress(b.bytesRead - before);
      before = b.bytesRead;
      const { buf, spans } = b;
      for (let i = 0; i < b.count; i++, ordinal++) {
        const s = spans[2 * i];
        if (s < 0) continue;
        const e = spans[2 * i + 1];
        let key: number | string = scanKey(buf, s, e);
        if (key === KEY_NONE) continue;
        let parsed: MissedBlock | undefined;
        if (key === KEY_UNKNOWN) {
          if (isBlank(b, i)) continue;
          const p = parseAt(b, i, false);
          if (!p.ok) continue;
          key = keyOf(p.record);
          parsed = p.record;
        }
        const prev = typeof key === 'number' ? last.get(key) : (lastBig.get(key) ?? -1);
        if (prev >= 0) {
          // Only a valid line may supersede: a torn rewrite must not hide the good record before it.
          if (!parsed) {
            const p = parseAt(b, i, false);
            if (!p.ok) continue;
            parsed = p.record;
          }
          superseded.add(prev);
          superseded.add(ordinal); // yielded at the key's first line instead
          const first = firstOf.get(key) ?? prev;
          firstOf.set(key, first);
          latest.set(first, { record: parsed, file: src.file, line: b.firstLine + i });
        }
        if (typeof key === 'number') last.set(key, ordinal);
        else lastBig.set(key, ordinal);
      }
    }
  }
  return { superseded, latest };
}

/**
 * The raw line batches of the logs at `paths` (each expanded with logFilesFor), in file order, for
 * consumers that parse lines themselves (exportLog.ts's batches). Same opening, error and
 * progress behaviour as readLogBatches(); each batch is reused once the next is asked for.
 */
export async function* logLineBatches(
  paths: string | readonly string[],
  opts: Pick<ReadLogOptions, 'siblings' | 'onProgress'> = {},
): AsyncGenerator<{ file: string; batch: LineBatch }> {
  const sources = await openAll(await resolveLogFiles(paths, opts.siblings ?? true));
  try {
    const total = sources.reduce((n, s) => n + s.size, 0);
    let done = 0;
    for (const src of sources) {
      let before = 0;
      for await (const b of batchesOf(src)) {
        done += b.bytesRead - before;
        before = b.bytesRead;
        opts.onProgress?.(done, total);
        yield { file: src.file, batch: b };
      }
    }
  } finally {
    await closeAll(sources);
  }
}

/** End of the last line of a batch held in its buffer (overlong lines are not held). */
export function heldBytes(b: LineBatch): number {
  return lastByte(b);
}

/**
 * The records of the logs at `paths` (each expanded with logFilesFor), in file order, in batches
 * (cheaper for bulk consumers than one await per record); readLog() yields them one at a time.
 */
export async function* readLogBatches(paths: string | readonly string[], opts: ReadLogOptions = {}): AsyncGenerator<LogEntry[]> {
  const collapse = opts.collapse ?? true;
  const sources = await openAll(await resolveLogFiles(paths, opts.siblings ?? true));
  if (opts.limit) for (const s of sources) if (!s.gzip) s.size = Math.min(s.size, opts.limit(s.file, s.size));
  try {
    const total = sources.reduce((n, s) => n + s.size, 0) * (collapse ? 2 : 1);
    let done = 0;
    const progress = (n: number) => {
      done += n;
      opts.onProgress?.(done, total);
    };
    const found = collapse ? await findSuperseded(sources, progress) : undefined;
    const superseded = found?.superseded;
    const anySuperseded = superseded !== undefined && superseded.size > 0;
    let ordinal = 0;
    for (const src of sources) {
      let before = 0;
      for await (const b of batchesOf(src)) {
        progress(b.bytesRead - before);
        before = b.bytesRead;
        const out: LogEntry[] = [];
        // One UTF-8 check for the whole batch; per line only when it fails.
        const allUtf8 = isUtf8(b.buf.subarray(0, lastByte(b)));
        for (let i = 0; i < b.count; i++, ordinal++) {
          if (isBlank(b, i)) continue;
          const p = parseAt(b, i, allUtf8 && b.spans[2 * i] >= 0);
          if (!p.ok) opts.onBadLine?.({ file: src.file, line: b.firstLine + i, message: p.message, ...(p.column !== undefined ? { column: p.column } : {}) });
          if (anySuperseded && superseded.has(ordinal)) {
            // A rewritten key's first line: its latest version goes here.
            const e = found!.latest.get(ordinal);
            if (e && (!opts.filter || opts.filter(e.record))) out.push(e);
            continue;
          }
          if (!p.ok) continue;
          if (opts.filter && !opts.filter(p.record)) continue;
          out.push({ record: p.record, file: src.file, line: b.firstLine + i });
        }
        if (out.length > 0) yield out;
      }
    }
  } finally {
    await closeAll(sources);
  }
}

/** readLogBatches() one entry at a time. */
export async function* readLog(paths: string | readonly string[], opts: ReadLogOptions = {}): AsyncGenerator<LogEntry> {
  for await (const batch of readLogBatches(paths, opts)) yield* batch;
}

/** Just the records, in batches: what exportRecords() and buildReportAsync() consume fastest. */
export async function* readRecordBatches(paths: string | readonly string[], opts: ReadLogOptions = {}): AsyncGenerator<MissedBlock[]> {
  for await (const batch of readLogBatches(paths, opts)) yield batch.map((e) => e.record);
}
