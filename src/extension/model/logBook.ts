// What the views know about each watched log: its records, collapsed to the last one written for
// each (block_number, kind) — the same rule every reader follows — with the line each came from,
// so a tree item can open the log there. Pure: the watcher feeds it lines it already parsed.
import { recordKey, type MissedBlock } from '../../core/model';
import type { Totals } from '../worker/protocol';

export interface LogEntry {
  record: MissedBlock;
  file: string;
  /** 1-based line in the file as it is now; undefined once the file was rotated away. */
  line: number | undefined;
  /** Order of arrival over all files: larger is newer. */
  seq: number;
}

interface FileLog {
  entries: Map<string, LogEntry>;
  badLines: number;
  /** seq of the newest entry, 0 when none: which log was written last. */
  lastSeq: number;
  /** Records were dropped to keep the window bounded: the entries are not the whole log. */
  windowed: boolean;
  /** The whole log's totals from the log worker, when it has read the log. */
  totals?: Totals;
  /** While the worker reads the log: bytes done of total. */
  loading?: { done: number; total: number };
}

/** What the views say about a log held only in part: "newest `shown` of `total`". */
export interface LogWindow {
  shown: number;
  total: number;
}

/** Kept per file; the oldest records go first. Enough for the views, bounded for a huge log. */
export const MAX_ENTRIES_PER_FILE = 2_000;

export class LogBook {
  private readonly logs = new Map<string, FileLog>();
  private seq = 0;

  constructor(private readonly maxPerFile = MAX_ENTRIES_PER_FILE) {}

  /** Make `file` known (an empty or not yet created log still shows in the views). */
  ensure(file: string): void {
    if (!this.logs.has(file)) this.logs.set(file, { entries: new Map(), badLines: 0, lastSeq: 0, windowed: false });
  }

  has(file: string): boolean {
    return this.logs.has(file);
  }

  add(file: string, record: MissedBlock, line: number | undefined): LogEntry {
    this.ensure(file);
    const log = this.logs.get(file)!;
    const key = recordKey(record);
    const entry: LogEntry = { record, file, line, seq: ++this.seq };
    // delete + set moves a rewritten record to the end, so eviction below drops the least recent.
    log.entries.delete(key);
    log.entries.set(key, entry);
    log.lastSeq = entry.seq;
    while (log.entries.size > this.maxPerFile) {
      log.entries.delete(log.entries.keys().next().value!);
      log.windowed = true;
    }
    return entry;
  }

  badLine(file: string): void {
    this.ensure(file);
    this.logs.get(file)!.badLines += 1;
  }

  /**
   * The file was rotated (its lines now live in a .gz sibling) or truncated/removed. After a
   * rotation the history stays (streaks span it) but no longer points at lines; a truncated
   * file was rewritten, so what we held describes nothing on disk any more.
   */
  reset(file: string, why: 'rotated' | 'truncated' | 'removed'): void {
    const log = this.logs.get(file);
    if (!log) return;
    if (why === 'truncated') {
      log.entries.clear();
      log.badLines = 0;
      log.windowed = false;
      log.totals = undefined;
      return;
    }
    for (const e of log.entries.values()) e.line = undefined;
    log.badLines = 0;
  }

  remove(file: string): void {
    this.logs.delete(file);
  }

  files(): string[] {
    return [...this.logs.keys()];
  }

  /** Entries in arrival order (oldest first). */
  entries(file: string): LogEntry[] {
    return [...(this.logs.get(file)?.entries.values() ?? [])];
  }

  /** The whole log's totals (from the log worker), replacing what the window alone would say. */
  setTotals(file: string, totals: Totals | undefined): void {
    this.ensure(file);
    this.logs.get(file)!.totals = totals;
  }

  totals(file: string): Totals | undefined {
    return this.logs.get(file)?.totals;
  }

  /** Mark the log as held in part (its reader kept only the newest records). */
  markWindowed(file: string): void {
    this.ensure(file);
    this.logs.get(file)!.windowed = true;
  }

  /** "newest N of M" when the entries are a window of a bigger log; undefined when they are all of it. */
  window(file: string): LogWindow | undefined {
    const log = this.logs.get(file);
    if (!log?.windowed || !log.totals) return undefined;
    return { shown: log.entries.size, total: Math.max(log.totals.records, log.entries.size) };
  }

  setLoading(file: string, loading: { done: number; total: number } | undefined): void {
    this.ensure(file);
    this.logs.get(file)!.loading = loading;
  }

  loading(file: string): { done: number; total: number } | undefined {
    return this.logs.get(file)?.loading;
  }

  badLines(file: string): number {
    return this.logs.get(file)?.badLines ?? 0;
  }

  lastSeq(file: string): number {
    return this.logs.get(file)?.lastSeq ?? 0;
  }
}
