// The live feed: a snapshot of everything the log holds (its rotated .gz parts first), then the
// lines appended to it, from the core LogTailer. Loaded with import() when a panel opens: it pulls
// in the schema validator, which the extension does not want to compile at activation.
//
// No line is lost between the two: the tailer starts (at the end of the file) before the snapshot
// is read, so lines written meanwhile arrive through both — harmless, because the dashboard keys
// records as every reader does and a record applied twice is the same record.
import { inferClock } from '../../common/dashboard/heatmap';
import { BatchWriter, encodeBatch, type LocatedRecord } from '../../common/dashboard/wire';
import { readLogBatches } from '../../node/log/reader';
import { LogTailer } from '../../node/log/tailer';
import { parseLogLine } from '../../node/log/validate';
import { RecentRecords, type Feed, type FeedSink } from './feed';

export interface LiveFeedOptions {
  file: string;
  sink: FeedSink;
  /** The chain's slot length (s), for the heatmap. */
  slotSeconds: number;
  usePolling?: boolean;
  /** Appended lines are sent at most this often. Default 100 ms. */
  flushMs?: number;
}

export class LiveFeed implements Feed {
  private tailer: LogTailer | undefined;
  private pending: LocatedRecord[] = [];
  private reading: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private badLines = 0;

  constructor(private readonly o: LiveFeedOptions) {}

  async start(): Promise<void> {
    this.tailer = new LogTailer(this.o.file, {
      from: 'end',
      usePolling: this.o.usePolling,
      onLine: (line, lineNo) => this.onLine(line, lineNo),
      // Rotated or rewritten: line numbers changed under every record; read it all again.
      onReset: () => void this.resnapshot(),
      onError: (e) => this.o.sink.warn(`${this.o.file}: ${e.message}`),
    });
    await this.tailer.start();
    await this.resnapshot();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tailer?.stop();
    await this.reading;
  }

  /** Read the whole log again and send it as a snapshot (one read at a time; a request during one reruns it). */
  resnapshot(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        await this.readSnapshot();
      } while (this.again && !this.stopped);
    })().finally(() => {
      this.reading = undefined;
      this.flush();
    });
    return this.reading;
  }

  private async readSnapshot(): Promise<void> {
    // Lines the tailer delivers from here on are sent after the snapshot (some may be in both).
    this.pending = [];
    const w = new BatchWriter();
    const recent = new RecentRecords();
    try {
      // collapse: false and put(): the last record per recordKey wins, exactly as apply() keys them.
      for await (const batch of readLogBatches(this.o.file, { collapse: false })) {
        for (const e of batch) {
          w.put(e);
          recent.push(e);
        }
      }
    } catch (err) {
      // A log that does not exist yet is an empty one; the tailer picks it up when it appears.
      if ((err as { cause?: NodeJS.ErrnoException }).cause?.code !== 'ENOENT') this.o.sink.warn((err as Error).message);
    }
    if (this.stopped) return;
    const b = w.finish();
    const clock = inferClock(this.o.slotSeconds, (function* () {
      for (let i = 0; i < b.slot.length; i++) yield { slot: b.slot[i], expected: b.expected[i] };
    })());
    this.o.sink.snapshot({ batch: b, details: recent.details(), clock });
  }

  private onLine(raw: string, lineNo: number): void {
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') return;
    const p = parseLogLine(line);
    if (!p.ok) {
      // The language server shows bad lines; here one warning per file is enough.
      if (this.badLines++ === 0) this.o.sink.warn(`${this.o.file}:${lineNo}: ${p.message} (bad lines are skipped)`);
      return;
    }
    this.pending.push({ record: p.record, file: this.o.file, line: lineNo });
    this.timer ??= setTimeout(() => this.flush(), this.o.flushMs ?? 100);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.reading || this.stopped || this.pending.length === 0) return;
    const entries = this.pending;
    this.pending = [];
    const recent = new RecentRecords();
    for (const e of entries) recent.push(e);
    this.o.sink.delta(encodeBatch(entries), recent.details());
  }
}
