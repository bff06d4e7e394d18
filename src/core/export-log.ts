// `mbm export` of log files: the same output as exportRecords(readLog(...)) — collapsed, in file
// order — but every line is parsed once. The reader's collapsing needs a key pass before the
// parse pass; measured on a 1M-line log that pass costs most of a JSON.parse pass again. Here
// rows are formatted as records arrive and spooled (row-spool.ts); a record rewritten later
// drops its earlier row; the kept rows are copied out at the end.
import type { Writable } from 'node:stream';
import { MAX_FAST_ROW_BYTES, writeCsvRow } from './csv-bytes';
import { csvHeader, csvRow, writeTo, type ExportFormat } from './export';
import { numericKey } from './log/keyscan';
import { KeyIndex } from './log/keyset';
import { logBytes, readLogBatches, type BadLine } from './log/reader';
import { recordKey, toLogLine, type MissedBlock } from './model';
import { RowSpool } from './row-spool';

export interface ExportLogOptions {
  format: ExportFormat;
  out: Writable;
  filter?(r: MissedBlock): boolean;
  onBadLine?(e: BadLine): void;
  /** Bytes of the logs read so far, of `total`. */
  onProgress?(done: number, total: number): void;
  /** Rows kept in memory before spilling to a temporary file (tests make it tiny). */
  spoolMemoryBytes?: number;
}

export async function exportLog(paths: string | readonly string[], opts: ExportLogOptions): Promise<{ records: number }> {
  const json = opts.format === 'json';
  if (!json && opts.format !== 'csv') throw new Error(`unknown export format ${JSON.stringify(opts.format)}`);
  const spool = new RowSpool(opts.spoolMemoryBytes);
  // Per key: 1 + the spool index of its row, or 0 when its latest record was filtered out.
  // Sized up front from the input (≥ 256 bytes a line): growing it costs more than the space.
  const rows = new KeyIndex(Math.min((await logBytes(paths)) / 256, 1 << 20));
  const bigRows = new Map<string, number>();
  try {
    for await (const batch of readLogBatches(paths, { collapse: false, onBadLine: opts.onBadLine, onProgress: opts.onProgress })) {
      for (let i = 0; i < batch.length; i++) {
        const r = batch[i].record;
        // Filter after collapsing: a record that does not match still hides its older versions.
        let slot = 0;
        if (!opts.filter || opts.filter(r)) {
          let row = json ? -1 : spool.addWith(writeCsvRow, r, MAX_FAST_ROW_BYTES);
          if (row < 0) row = spool.add(json ? `,\n${toLogLine(r)}` : csvRow(r));
          slot = row + 1;
        }
        const key = numericKey(r.block_number, r.kind, r.slot);
        let prev: number;
        if (key >= 0) prev = rows.upsert(key, slot);
        else {
          const k = recordKey(r);
          prev = bigRows.get(k) ?? -1;
          bigRows.set(k, slot);
        }
        if (prev > 0) spool.drop(prev - 1);
      }
      spool.flush();
    }
    const write = writeTo(opts.out);
    await write(json ? '[' : csvHeader());
    await spool.copyTo(write, { skipFirstByte: json });
    if (json) await write(spool.size === 0 ? ']\n' : '\n]\n');
    return { records: spool.size };
  } finally {
    spool.dispose();
  }
}
