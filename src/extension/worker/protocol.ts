// Messages between the extension host (logLoader.ts) and the log worker (logWorker.ts).
import type { MissedBlock } from '../../core/model';
import type { Report } from '../../core/report';
import type { SlotClock } from '../../common/dashboard/heatmap';
import type { PickRequest } from '../../common/dashboard/model';
import type { DashboardView } from '../../common/dashboard/view';
import type { ViewSettings } from '../../common/dashboard/viewFilter';

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
  /** Records the host tailed, with their lines in the active file. */
  | { type: 'append'; records: MissedBlock[]; lines: number[] }
  /** The active file was truncated (rewritten): what was counted describes nothing on disk. */
  | { type: 'reset' }
  /** The active file was rotated: its records stay, their lines are gone. */
  | { type: 'rotated' }
  /** The dashboard's view of the whole log, aggregated here (`id` answers it). */
  /** `head`: the log's checkpoint head, when known (the current streak is judged by it). */
  | { type: 'view'; id: number; settings: ViewSettings; slotSeconds: number; head?: number }
  /** The record a click on the dashboard stands for: its line in the active file. */
  | { type: 'pick'; id: number; settings: ViewSettings; slotSeconds: number; pick: PickRequest };

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
  /** `stale`: made before the latest records (sent at once; ask again for a fresh one). */
  | { type: 'view'; id: number; view: DashboardView; clock: SlotClock; ms: number; stale: boolean }
  /** line 0: the record is in a rotated part (no line to open); undefined: no such record. */
  | { type: 'picked'; id: number; line: number | undefined }
  | { type: 'error'; message: string };
