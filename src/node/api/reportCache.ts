// The report of a set of logs, recomputed only when a file changed (size, mtime, inode, a rotated
// sibling appeared): /stats, /report and every /metrics scrape would otherwise each re-read whole
// logs. Concurrent requests for the same state share one computation.
import { stat } from 'node:fs/promises';
import { loggedHead } from '../checkpoint';
import { readRecordBatches, resolveLogFiles } from '../log/reader';
import { buildReportAsync, type Report, type ReportOptions } from '../../core/report';

async function fingerprint(paths: readonly string[]): Promise<string> {
  const files = await resolveLogFiles(paths);
  const parts = await Promise.all(
    files.map(async (f) => {
      const st = await stat(f).catch(() => undefined);
      return st ? `${f}\0${st.ino}\0${st.size}\0${st.mtimeMs}` : `${f}\0missing`;
    }),
  );
  return parts.join('\n');
}

export class ReportCache {
  private last?: { key: string; report: Promise<Report> };

  constructor(private readonly paths: readonly string[]) {}

  /** Without `opts.headBlock` (no live monitor), the head the logs' checkpoints recorded decides the current streak. */
  async get(opts: ReportOptions = {}): Promise<Report> {
    if (opts.headBlock === undefined) {
      const headBlock = await loggedHead(this.paths);
      if (headBlock !== undefined) opts = { ...opts, headBlock };
    }
    const key = `${await fingerprint(this.paths)}\n${opts.headBlock ?? ''}`;
    if (this.last?.key !== key) {
      const report = buildReportAsync(readRecordBatches(this.paths), opts);
      this.last = { key, report };
      // A failed read is not cached: the next request tries again.
      report.catch(() => {
        if (this.last?.report === report) this.last = undefined;
      });
    }
    return this.last.report;
  }
}
