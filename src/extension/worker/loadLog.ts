// Reads a whole log — its rotated .gz parts, then the active file through its last complete line —
// once, into LogTotals (every record, compactly) and a window of the newest records. Runs in the
// log worker (logWorker.ts), never on the extension host's thread. No vscode import.
import { open, stat } from 'node:fs/promises';
import { readLogBatches } from '../../node/log/reader';
import { countLines } from '../../node/log/tailer';
import { LogTotals } from './logTotals';
import type { FromWorker, WindowEntry } from './protocol';

/** Bad lines of a file named in the output channel; a broken file must not flood it. */
export const BAD_REPORTED = 20;

export interface LoadOptions {
  /** Newest records to hand back with their lines. */
  window: number;
  /** Called about every `progressMs` while reading. */
  onProgress?(done: number, total: number, records: number): void;
  progressMs?: number;
}

/** Offset just past the last '\n' of the file's first `size` bytes (0 when none). */
async function lastCompleteLine(file: string, size: number): Promise<number> {
  const fh = await open(file, 'r');
  try {
    const CHUNK = 1 << 16;
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let end = size; end > 0; end -= CHUNK) {
      const start = Math.max(0, end - CHUNK);
      const { bytesRead } = await fh.read(buf, 0, end - start, start);
      const nl = buf.subarray(0, bytesRead).lastIndexOf(10);
      if (nl !== -1) return start + nl + 1;
    }
    return 0;
  } finally {
    await fh.close();
  }
}

export async function loadLog(file: string, totals: LogTotals, o: LoadOptions): Promise<Extract<FromWorker, { type: 'loaded' }>> {
  const st = await stat(file).catch(() => undefined);
  const size = st?.isFile() ? st.size : 0;
  const offset = size > 0 ? await lastCompleteLine(file, size) : 0;
  // A ring of the newest entries: the window the host keeps.
  const ring: WindowEntry[] = new Array(Math.max(0, o.window));
  let head = 0;
  let seen = 0;
  let badLines = 0;
  const bad: { line: number; message: string }[] = [];
  let lines = 0;
  let last = 0;
  const every = o.progressMs ?? 250;
  const batches = readLogBatches(file, {
    collapse: false,
    onBadLine: (b) => {
      badLines++;
      if (b.file === file && bad.length < BAD_REPORTED) bad.push({ line: b.line, message: b.message });
    },
    limit: (f, s) => (f === file ? offset : s),
    onProgress: (done, total) => {
      const now = Date.now();
      if (now - last < every) return;
      last = now;
      o.onProgress?.(done, total, totals.count);
    },
  });
  try {
    for await (const batch of batches) {
      for (const e of batch) {
        totals.add(e.record, e.file === file ? e.line : 0);
        if (ring.length > 0) {
          ring[head] = { record: e.record, line: e.file === file ? e.line : undefined };
          head = (head + 1) % ring.length;
        }
        seen++;
        if (e.file === file) lines = e.line;
      }
    }
  } catch (err) {
    // A log that does not exist yet is an empty one; the tailer picks it up when it appears.
    if ((err as { cause?: NodeJS.ErrnoException }).cause?.code !== 'ENOENT') throw err;
  }
  const n = Math.min(seen, ring.length);
  const window: WindowEntry[] = [];
  for (let k = 0; k < n; k++) window.push(ring[(head - n + k + ring.length) % ring.length]);
  // Lines of the active file up to `offset`: the last record's line, unless blank or bad lines follow it.
  if (offset > 0) lines = await countLines(file, offset);
  const report = totals.report();
  return { type: 'loaded', totals: { report, records: report.total_missed }, window, offset, lines, ino: st?.ino ?? -1, badLines, bad };
}
