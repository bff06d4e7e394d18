// Keeps the Fleet node's numbers fresh: every few seconds, one summary per monitor from the shared
// store (node/store/fleet.ts fleetSummary: index lookups, however many rows). A database that does not
// answer is a state the tree shows, never an exception; the next round connects again. No vscode.
import { describePgError } from '../../node/store/connect';
import { PostgresStore, type FleetSourceSummary } from '../../node/store/index';

export type FleetState =
  | { status: 'connecting'; where: string }
  | { status: 'ok'; where: string; monitors: FleetSourceSummary[]; updatedAt: number }
  | { status: 'error'; where: string; error: string; monitors?: FleetSourceSummary[]; updatedAt?: number };

export interface FleetPollerOptions {
  url: string;
  where: string;
  intervalMs: number;
  onChange(state: FleetState): void;
  /** Longest streaks listed per monitor. Default 3. */
  topStreaks?: number;
}

export class FleetPoller {
  private store: PostgresStore | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private last: FleetState;

  constructor(private readonly o: FleetPollerOptions) {
    this.last = { status: 'connecting', where: o.where };
  }

  get state(): FleetState {
    return this.last;
  }

  /** First round now; resolves when it is done (the tree has numbers or an error to show). */
  start(): Promise<void> {
    return this.refresh();
  }

  /** A round now (one at a time: a refresh during a round waits for it). */
  refresh(): Promise<void> {
    if (this.running) return this.running;
    clearTimeout(this.timer);
    this.running = this.round().finally(() => {
      this.running = undefined;
      if (!this.stopped) this.timer = setTimeout(() => void this.refresh(), this.o.intervalMs);
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    await this.store?.close();
    this.store = undefined;
  }

  private async round(): Promise<void> {
    try {
      this.store ??= await PostgresStore.open(this.o.url, { connectTimeoutMs: 5000 });
      const monitors = await this.store.fleet({}, { topStreaks: this.o.topStreaks ?? 3 });
      if (this.stopped) return;
      this.set({ status: 'ok', where: this.o.where, monitors, updatedAt: Date.now() });
    } catch (err) {
      const s = this.store;
      this.store = undefined;
      await s?.close();
      if (this.stopped) return;
      // The last numbers stay visible (marked stale) while the database is away.
      const prev = this.last.status === 'connecting' ? undefined : this.last;
      this.set({ status: 'error', where: this.o.where, error: describePgError(err), monitors: prev?.monitors, updatedAt: prev?.updatedAt });
    }
  }

  private set(s: FleetState): void {
    this.last = s;
    this.o.onChange(s);
  }
}
