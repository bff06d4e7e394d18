// The fleet feed: the dashboard over the shared PostgreSQL store, every monitor's records side by
// side (the webview keys them by source and finds streaks per source). A snapshot of the newest
// records, then polls for rows written since (node/store/changes.ts). The database going away
// is a warning and the polls go on; nothing here throws into the panel. No vscode import.
import { inferClock } from '../../common/dashboard/heatmap';
import { BatchWriter, fleetRecordKey, type LocatedRecord, type RecordBatch, type RecordDetail } from '../../common/dashboard/wire';
import type { MissedBlock } from '../../core/model';
import { LOOKBACK_STATEMENTS, storeChangesSince, storeNewest } from '../../node/store/changes';
import { MAX_STATEMENT_ROWS } from '../../node/store/rows';
import { describePgError } from '../../node/store/connect';
import { PostgresStore } from '../../node/store/index';
import { monitorName } from '../model/fleetModel';
import { RecentRecords, type Feed, type FeedSink } from './feed';

export interface FleetFeedOptions {
  url: string;
  sink: FeedSink;
  slotSeconds: number;
  /** Between two polls for new rows. Default 2 000 ms. */
  pollMs?: number;
  /** Newest records in the snapshot at most. Default 200 000 (the dashboard stays fluid). */
  maxRecords?: number;
  /** Rows per poll query. Default 5 000. */
  pageSize?: number;
}

/**
 * Records as the fleet dashboard holds them: `source` becomes the monitor's name (source and chain
 * id), so two monitors with one source label on different chains stay apart in the filter chips,
 * the keys and the streaks.
 */
const located = (record: MissedBlock): LocatedRecord => ({
  record: { ...record, source: monitorName({ source: record.source ?? null, chain_id: record.chain_id ?? null }) },
  file: '',
  line: undefined,
});

/** Records as one batch (one row per monitor's record, the last version winning) and the newest details. */
function encode(records: readonly MissedBlock[]): { batch: RecordBatch; details: RecordDetail[] } {
  const w = new BatchWriter(fleetRecordKey);
  const recent = new RecentRecords(undefined, fleetRecordKey);
  for (const r of records) {
    const e = located(r);
    w.put(e);
    recent.push(e);
  }
  return { batch: w.finish(), details: recent.details() };
}

export class FleetFeed implements Feed {
  private store: PostgresStore | undefined;
  private lastSeq = -1n;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = false;
  /** The last problem reported (a failing database is reported once, not every poll). */
  private failing: string | undefined;
  private snapshotDone = false;
  /** write_seqs sent within the lookback window: rows a poll reads again are not sent again. */
  private readonly sent = new Set<bigint>();
  /** The heads last sent (JSON), so an unchanged set is not sent again. */
  private sentHeads = '';

  constructor(private readonly o: FleetFeedOptions) {}

  async start(): Promise<void> {
    await this.poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
    await this.store?.close();
    this.store = undefined;
  }

  /** One round: connect if needed, snapshot once, then what changed. Schedules the next round. */
  private poll(): Promise<void> {
    this.polling = this.round().finally(() => {
      this.polling = undefined;
      if (!this.stopped) this.timer = setTimeout(() => void this.poll(), this.o.pollMs ?? 2000);
    });
    return this.polling;
  }

  private async round(): Promise<void> {
    try {
      this.store ??= await PostgresStore.open(this.o.url, { connectTimeoutMs: 5000 });
      if (this.stopped) return;
      if (!this.snapshotDone) await this.snapshot(this.store);
      else await this.changes(this.store);
      if (this.failing) this.o.sink.warn(`fleet store ${this.store.where} is answering again`);
      this.failing = undefined;
      await this.heads(this.store);
    } catch (err) {
      const msg = describePgError(err);
      if (msg !== this.failing) this.o.sink.warn(`fleet store: ${msg} (retrying every ${Math.round((this.o.pollMs ?? 2000) / 1000)} s)`);
      this.failing = msg;
      // A broken connection is not reused; the next round connects again.
      const s = this.store;
      this.store = undefined;
      await s?.close();
    }
  }

  private async snapshot(store: PostgresStore): Promise<void> {
    const max = this.o.maxRecords ?? 200_000;
    const got = await storeNewest(store.client, max);
    if (this.stopped) return;
    for (const b of got.bad.slice(0, 5)) this.o.sink.warn(`fleet store: ${b}`);
    if (got.total > got.records.length) this.o.sink.warn(`fleet store holds ${got.total} records; the dashboard shows the newest ${got.records.length}`);
    const { batch, details } = encode(got.records);
    const clock = inferClock(this.o.slotSeconds, (function* () {
      for (let i = 0; i < batch.slot.length; i++) yield { slot: batch.slot[i], expected: batch.expected[i] };
    })());
    this.lastSeq = got.lastSeq;
    for (const q of got.seqs) this.sent.add(q);
    this.forgetOld();
    this.snapshotDone = true;
    // A new snapshot starts a new model in the webview: it gets the heads again.
    this.sentHeads = '';
    this.o.sink.snapshot({ batch, details, clock });
  }

  private async changes(store: PostgresStore): Promise<void> {
    const pageSize = this.o.pageSize ?? 5000;
    // Bounded: a backlog larger than this many pages waits for the next round.
    for (let page = 0, lookback = true; page < 20 && !this.stopped; page++, lookback = false) {
      const c = await storeChangesSince(store.client, this.lastSeq, {}, pageSize, lookback);
      for (const b of c.bad.slice(0, 5)) this.o.sink.warn(`fleet store: ${b}`);
      this.lastSeq = c.lastSeq;
      const fresh = c.records.filter((_, i) => !this.sent.has(c.seqs[i]));
      for (const q of c.seqs) this.sent.add(q);
      if (fresh.length) {
        const { batch, details } = encode(fresh);
        this.o.sink.delta(batch, details);
      }
      this.forgetOld();
      if (!c.more) return;
    }
  }

  /** Each monitor's head (mbm_heads): the webview judges each monitor's current streak by it, as `report --from-postgres` does. */
  private async heads(store: PostgresStore): Promise<void> {
    // Prototype-less: a monitor named "__proto__" is just a key.
    const heads: Record<string, number> = Object.create(null);
    for (const h of await store.heads()) heads[monitorName(h)] = h.head;
    const json = JSON.stringify(heads);
    if (this.stopped || json === this.sentHeads) return;
    this.sentHeads = json;
    this.o.sink.heads?.(heads);
  }

  private forgetOld(): void {
    const floor = this.lastSeq - BigInt(LOOKBACK_STATEMENTS * MAX_STATEMENT_ROWS);
    for (const q of this.sent) if (q <= floor) this.sent.delete(q);
  }
}
