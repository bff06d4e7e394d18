// What a panel shows comes from a feed: the live log (liveFeed.ts) or a replay (replayPlayer.ts).
// A feed says `snapshot` once (and again when the file is replaced underneath it), then `delta`s.
// No vscode import: feeds are tested in plain Node.
import type { SlotClock } from '../../shared/dashboard/heatmap';
import { toDetail, type LocatedRecord, type RecordBatch, type RecordDetail } from '../../shared/dashboard/wire';
import { recordKey, type MissedBlock } from '../../core/model';
import type { ReplayAction, ReplayStatus } from '../../shared/protocol';

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
  warn(message: string): void;
}

export interface Feed {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Replays only. */
  control?(a: ReplayAction): void;
}

/** How many of the newest records travel with their details (metadata) to the webview. */
export const DETAIL_LIMIT = 50;

/** The newest records by write order, one per record key; a rewrite moves a record to the front. */
export class RecentRecords {
  private readonly m = new Map<string, LocatedRecord>();

  constructor(
    private readonly limit = DETAIL_LIMIT,
    private readonly keyOf: (r: MissedBlock) => string = recordKey,
  ) {}

  push(e: LocatedRecord): void {
    const k = this.keyOf(e.record);
    this.m.delete(k);
    this.m.set(k, e);
    if (this.m.size > this.limit) this.m.delete(this.m.keys().next().value!);
  }

  details(): RecordDetail[] {
    return [...this.m.values()].map(toDetail);
  }

  clear(): void {
    this.m.clear();
  }
}
