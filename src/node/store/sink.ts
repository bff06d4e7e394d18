// PostgresSink: every record the logger writes is also upserted into the shared store, in
// batches. The JSONL log stays the source of truth; the store is a copy that may lag.
//
// The queueing (memory, `<log>.pgqueue` on disk while the database is away, replay in order with
// backoff) is QueuedSink's. A replay of rows the database already has (a crash between commit and
// dequeue) is harmless: rows are upserted by key, so nothing is doubled.
import type { Client } from 'pg';
import { toLogLine, type MissedBlock } from '../../core/model';
import { connectStore, describePgError, describePostgresUrl, isDataError } from './connect';
import { QueuedSink, type QueuedSinkOptions, type SinkTransport } from './queuedSink';
import { rowFromLine, upsertRows, type StoreRow } from './rows';
import type { RecordSink } from './types';

export interface PostgresSinkOptions extends QueuedSinkOptions {
  url: string;
  connectTimeoutMs?: number;
}

/** The spool file conventionally used for a log. */
export function spoolPathFor(logPath: string): string {
  return `${logPath}.pgqueue`;
}

class PostgresTransport implements SinkTransport {
  readonly name = 'postgres';
  readonly where: string;
  private client: Client | undefined;

  constructor(private readonly o: PostgresSinkOptions) {
    this.where = describePostgresUrl(o.url);
  }

  async connect(): Promise<void> {
    this.client = await connectStore(this.o.url, { connectTimeoutMs: this.o.connectTimeoutMs, queryTimeoutMs: 30_000 });
  }

  async disconnect(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  describeError(err: unknown): string {
    return describePgError(err);
  }

  async send(lines: readonly string[], warn: (m: string) => void): Promise<number> {
    const client = this.client!;
    const rows: StoreRow[] = [];
    for (const line of lines) {
      const r = rowFromLine(line);
      if ('error' in r) warn(`postgres: skipped a queued record (${r.error})`);
      else rows.push(r);
    }
    try {
      await upsertRows(client, rows);
    } catch (err) {
      if (!isDataError(err)) throw err;
      // One bad row must not hold the others back forever: send them one by one, skip the bad.
      for (const r of rows) {
        await upsertRows(client, [r]).catch((e: unknown) => {
          if (!isDataError(e)) throw e;
          warn(`postgres: record #${r.block_number} ${r.kind} not stored: ${describePgError(e)}`);
        });
      }
    }
    return rows.length;
  }
}

export class PostgresSink extends QueuedSink implements RecordSink {
  constructor(o: PostgresSinkOptions) {
    super(new PostgresTransport(o), o);
  }

  write(record: MissedBlock): void {
    // Serialized now, as the JSONL writer does: a later change to the object is a later write.
    this.enqueue(toLogLine(record));
  }
}
