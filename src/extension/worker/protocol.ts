// Messages between the extension host (logLoader.ts) and the log worker (logWorker.ts).
import type { MissedBlock } from '../../core/model';
import type { Report } from '../../core/report';

export interface WindowEntry {
  record: MissedBlock;
  /** 1-based line of the active file; undefined for a record of a rotated part. */
  line: number | undefined;
}

/** The whole log's numbers: the core report over every distinct record. */
export interface Totals {
  report: Report;
  /** Distinct records (rewrites collapsed): report.total_missed. */
  records: number;
}

export type ToWorker =
  | { type: 'load'; file: string; window: number }
  | { type: 'append'; records: MissedBlock[] }
  /** The active file was truncated (rewritten): what was counted describes nothing on disk. */
  | { type: 'reset' };

export type FromWorker =
  | { type: 'progress'; done: number; total: number; records: number }
  | {
      type: 'loaded';
      totals: Totals;
      /** The newest records read, oldest first (the worker sends them ahead in 'window' messages). */
      window: WindowEntry[];
      /** Bytes of the active file read (through its last complete line) and the lines they hold. */
      offset: number;
      lines: number;
      /** The active file's inode when read (-1: none): a different file at start is read whole. */
      ino: number;
      badLines: number;
      /** The first bad lines of the active file (line, why), for the output channel. */
      bad: { line: number; message: string }[];
    }
  /** Part of the window, before 'loaded' (small messages: each is cheap to take on the host's thread). */
  | { type: 'window'; entries: WindowEntry[] }
  | { type: 'totals'; totals: Totals }
  | { type: 'error'; message: string };
