// What a panel shows comes from a feed: the live log (liveFeed.ts) or a replay (replayPlayer.ts).
// A feed says `snapshot` once (and again when the file is replaced underneath it), then `delta`s.
// No vscode import: feeds are tested in plain Node.
import type { SlotClock } from '../../common/dashboard/heatmap';
import { toDetail, type LocatedRecord, type RecordBatch, type RecordDetail } from '../../common/dashboard/wire';
import { recordKey, type MissedBlock } from '../../core/model';
import type { ReplayAction, ReplayStatus } from '../../common/protocol';
import type { PickRequest } from '../../common/dashboard/model';
import type { DashboardView } from '../../common/dashboard/view';
import type { ViewSettings } from '../../common/dashboard/viewFilter';

export interface FeedSnapshot {
  batch: RecordBatch;
  details: RecordDetail[];
  /** The heatmap's clock (core inferClock over the records the feed has seen first). */
  clock: SlotClock;
}

export interface FeedSink {
  snapshot(s: FeedSnapshot): void;
  delta(batch: RecordBatch, details: RecordDetail[]): void;
  replayStatus?(s: ReplayStatus): void;
  /** A view aggregated elsewhere (the log worker): the webview draws it as it is. `update`: of the log shown, not a new one. */
  view?(v: DashboardView, clock: SlotClock, update: boolean): void;
  /** Fleet: each monitor's head (by the monitor's name in the records), when it changed. */
  heads?(heads: Record<string, number>): void;
  warn(message: string): void;
}

export interface Feed {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Replays only. */
  control?(a: ReplayAction): void;
  /** Feeds that aggregate themselves (workerFeed.ts): the filter and range changed. */
  setView?(v: ViewSettings): void;
  /** Feeds that aggregate themselves: the line of the record a click stands for (0: no line; undefined: none). */
  pick?(p: PickRequest): Promise<number | undefined>;
}

/** How many of the newest records travel with their details (metadata) to the webview. */
export const DETAIL_LIMIT = 50;

/** The newest records by write order, one per record key; a rewrite moves a record to the front. */
export class RecentRecords {
  private readonly m = new Map<string, { e: LocatedRecord; seq: number }>();
  private seq = 0;

  constructor(
    private readonly limit = DETAIL_LIMIT,
    private readonly keyOf: (r: MissedBlock) => string = recordKey,
  ) {}

  /**
   * The newest records by where they were written (rotated parts before the active file, then line),
   * whatever order they are pushed in: a reader hands a rewritten record over at its first record's
   * place with its last line, the tailer in append order, and both must keep the same newest ones.
   */
  push(e: LocatedRecord): void {
    const k = this.keyOf(e.record);
    this.m.delete(k);
    this.m.set(k, { e, seq: this.seq++ });
    if (this.m.size > this.limit) {
      let oldest: string | undefined;
      let at: { e: LocatedRecord; seq: number } | undefined;
      for (const [key, v] of this.m) if (!at || writtenBefore(v, at)) (oldest = key), (at = v);
      this.m.delete(oldest!);
    }
  }

  details(): RecordDetail[] {
    return [...this.m.values()].sort((a, b) => (writtenBefore(a, b) ? -1 : writtenBefore(b, a) ? 1 : 0)).map((v) => toDetail(v.e));
  }

  clear(): void {
    this.m.clear();
  }
}

/** Rotated parts (.gz, named by their UTC time) come before the file being written. */
function fileRank(file: string): number {
  return file.endsWith('.gz') ? 0 : 1;
}

function writtenBefore(a: { e: LocatedRecord; seq: number }, b: { e: LocatedRecord; seq: number }): boolean {
  const ra = fileRank(a.e.file), rb = fileRank(b.e.file);
  if (ra !== rb) return ra < rb;
  if (ra === 0 && a.e.file !== b.e.file) return a.e.file < b.e.file;
  if (a.e.file === b.e.file && a.e.line !== undefined && b.e.line !== undefined && a.e.line !== b.e.line) return a.e.line < b.e.line;
  return a.seq < b.seq;
}
