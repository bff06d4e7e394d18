// Plays a log through the dashboard as it was written: every line in file order (rewrites
// included, so a record turns "recovered" when it did), paced by the log's own clock times a
// speed factor. Any log the reader reads works, a rotated .gz included. Loaded with import().
//
// A line's time is when it was written: its detection time, or its recovery time for a rewrite;
// kept non-decreasing so the file order is the play order. Long quiet stretches are skipped (at
// most MAX_IDLE_MS of wall time between two lines), so an incident a day later does not mean a
// day of waiting.
import { inferClock } from '../../common/dashboard/heatmap';
import { encodeBatch, type LocatedRecord } from '../../common/dashboard/wire';
import { readLog } from '../../node/log/reader';
import type { MissedBlock } from '../../core/model';
import type { ReplayAction, ReplayStatus } from '../../common/protocol';
import { RecentRecords, type Feed, type FeedSink } from './feed';

export interface ReplayOptions {
  file: string;
  sink: FeedSink;
  slotSeconds: number;
  /** Log seconds per wall second; 0 = as fast as possible. */
  speed: number;
  /** Also play an active log's rotated .gz parts first. Default true. */
  siblings?: boolean;
  tickMs?: number;
}

const MAX_IDLE_MS = 2_000;
/** Lines sent per tick at most (and per tick at speed 0): keeps each message small. */
const MAX_PER_TICK = 5_000;
/** Lines read ahead before starting, to find the heatmap's clock. */
const LOOKAHEAD = 1_000;

export function writtenAt(r: MissedBlock): number {
  return r.recovered && typeof r.recovered_at === 'number' ? Math.max(r.timestamp, r.recovered_at) : r.timestamp;
}

export class ReplayPlayer implements Feed {
  private it: AsyncIterator<LocatedRecord> | undefined;
  private ahead: LocatedRecord[] = [];
  private exhausted = false;
  private state: ReplayStatus['state'] = 'paused';
  private speed: number;
  private played = 0;
  /** Log time reached (unix s). */
  private at: number | null = null;
  private lastTime = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private ticking: Promise<void> = Promise.resolve();

  constructor(private readonly o: ReplayOptions) {
    this.speed = o.speed;
  }

  async start(): Promise<void> {
    this.it = readLog(this.o.file, { collapse: false, siblings: this.o.siblings ?? true })[Symbol.asyncIterator]();
    try {
      await this.fill(LOOKAHEAD);
    } catch (err) {
      this.fail(err);
      throw err;
    }
    const clock = inferClock(this.o.slotSeconds, this.ahead.map((e) => ({ slot: e.record.slot ?? -1, expected: e.record.expected_timestamp })));
    this.o.sink.snapshot({ batch: encodeBatch([]), details: [], clock });
    this.state = 'playing';
    this.lastTick = Date.now();
    this.schedule();
    this.status();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.state === 'playing' || this.state === 'paused') this.state = 'done';
    await this.ticking;
    await this.it?.return?.(undefined);
  }

  control(a: ReplayAction): void {
    switch (a.action) {
      case 'pause':
        if (this.state !== 'playing') return;
        this.state = 'paused';
        clearTimeout(this.timer);
        this.timer = undefined;
        break;
      case 'resume':
        if (this.state !== 'paused') return;
        this.state = 'playing';
        this.lastTick = Date.now(); // paused time is not played
        this.schedule();
        break;
      case 'speed':
        this.speed = a.speed;
        break;
      case 'stop':
        void this.stop();
        break;
    }
    this.status();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.ticking = this.tick().catch((err) => this.fail(err));
    }, this.o.tickMs ?? 100);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    if (this.state !== 'playing') return;
    const now = Date.now();
    const wallS = (now - this.lastTick) / 1000;
    this.lastTick = now;
    const out: LocatedRecord[] = [];
    const recent = new RecentRecords();
    if (this.ahead.length === 0) await this.fill(256);
    if (this.at === null && this.ahead[0]) this.at = writtenAt(this.ahead[0].record);
    // Everything written up to `horizon` (log time) is due now.
    let horizon = this.speed > 0 ? (this.at ?? 0) + this.speed * wallS : Infinity;
    while (out.length < MAX_PER_TICK) {
      if (this.ahead.length === 0) await this.fill(256);
      const next = this.ahead[0];
      if (!next) break;
      const t = Math.max(this.lastTime, writtenAt(next.record));
      if (t > horizon) {
        // A quiet stretch longer than MAX_IDLE_MS of wall time: jump to the next line.
        if (out.length === 0 && (t - horizon) / this.speed > MAX_IDLE_MS / 1000) horizon = t;
        else break;
      }
      this.ahead.shift();
      this.lastTime = t;
      out.push(next);
      recent.push(next);
    }
    // Cut short by MAX_PER_TICK: the clock stays at the last line played, so nothing is skipped.
    if (this.over()) return; // stopped while reading (a pause lets this tick finish)
    this.at = out.length === MAX_PER_TICK || horizon === Infinity ? (out.length ? this.lastTime : this.at) : horizon;
    if (out.length) {
      this.played += out.length;
      this.o.sink.delta(encodeBatch(out), recent.details());
    }
    if (this.exhausted && this.ahead.length === 0) {
      this.state = 'done';
      this.status();
      await this.it?.return?.(undefined);
      return;
    }
    this.status();
    if (this.state === 'playing') this.schedule();
  }

  private over(): boolean {
    return this.state === 'done' || this.state === 'failed';
  }

  private async fill(n: number): Promise<void> {
    while (!this.exhausted && this.ahead.length < n) {
      const r = await this.it!.next();
      if (r.done) this.exhausted = true;
      else this.ahead.push(r.value);
    }
  }

  private fail(err: unknown): void {
    this.state = 'failed';
    this.o.sink.warn(`replay of ${this.o.file}: ${(err as Error).message}`);
    this.status((err as Error).message);
  }

  private status(message?: string): void {
    this.o.sink.replayStatus?.({ state: this.state, speed: this.speed, played: this.played, at: this.at, ...(message ? { message } : {}) });
  }
}
