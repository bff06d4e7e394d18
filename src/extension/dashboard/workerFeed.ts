// The live feed of a big log the tree's log worker has already read: the worker aggregates the
// whole log into the dashboard's view (worker/dashView.ts) and the webview draws it as it is, so
// neither the extension host's thread nor the webview holds or counts a million records. Filters,
// ranges and clicks go to the worker. A new view is asked for when the worker's totals move (the
// log grew) or the one shown was made ahead and is stale, one at a time and spaced (schedule()).
// No vscode import.
import type { PickRequest } from '../../common/dashboard/model';
import { defaultView, type ViewSettings } from '../../common/dashboard/viewFilter';
import type { LogLoader } from '../worker/logLoader';
import type { Totals } from '../worker/protocol';
import type { Feed, FeedSink } from './feed';

/** Logs with at least this many records are aggregated in the worker; smaller ones in the webview (hover details, no round trips). */
export const WORKER_VIEW_MIN_RECORDS = 50_000;

export interface WorkerFeedOptions {
  loader: Pick<LogLoader, 'view' | 'pick'>;
  /** The worker's latest totals (a new object whenever they changed). */
  totals(): Totals | undefined;
  sink: FeedSink;
  slotSeconds: number;
  view?: ViewSettings;
  /** The log's checkpoint head, when known: the current streak is judged by it (a new one asks for a view). */
  head?(): number | undefined;
  /** Default 1000 ms. */
  updateMs?: number;
}

export class WorkerFeed implements Feed {
  private settings: ViewSettings;
  private timer: NodeJS.Timeout | undefined;
  private asking: Promise<void> | undefined;
  private again = false;
  private shown: Totals | undefined;
  private shownHead: number | undefined;
  private stale = false;
  private first = true;
  private stopped = false;

  constructor(private readonly o: WorkerFeedOptions) {
    this.settings = o.view ?? defaultView();
  }

  async start(): Promise<void> {
    await this.refresh();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.asking;
  }

  /**
   * The next look: after updateMs, and after twice what the last view cost the worker, so a huge
   * log that keeps growing never keeps the worker busy more than a third of the time.
   */
  private schedule(costMs: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      if (this.stale || this.o.totals() !== this.shown || this.o.head?.() !== this.shownHead) void this.refresh();
      else this.schedule(0);
    }, Math.max(this.o.updateMs ?? 1000, 2 * costMs));
  }

  setView(v: ViewSettings): void {
    this.settings = v;
    void this.refresh();
  }

  pick(p: PickRequest): Promise<number | undefined> {
    return this.o.loader.pick(this.settings, this.o.slotSeconds, p);
  }

  /** One request at a time; one asked for meanwhile runs after it, with the latest settings. */
  private refresh(): Promise<void> {
    if (this.asking) {
      this.again = true;
      return this.asking;
    }
    this.asking = (async () => {
      do {
        this.again = false;
        const totals = this.o.totals();
        const head = this.o.head?.();
        try {
          const r = await this.o.loader.view(this.settings, this.o.slotSeconds, head);
          if (this.stopped) return;
          this.shown = totals;
          this.shownHead = head;
          this.stale = r.stale;
          this.o.sink.view?.(r.view, r.clock, !this.first);
          this.first = false;
          this.schedule(r.ms);
        } catch (err) {
          if (!this.stopped) this.o.sink.warn((err as Error).message);
          return;
        }
      } while (this.again && !this.stopped);
    })().finally(() => (this.asking = undefined));
    return this.asking;
  }
}
