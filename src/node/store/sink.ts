// PostgresSink: every record the logger writes is also upserted into the shared store, in
// batches. The JSONL log stays the source of truth; the store is a copy that may lag.
//
// The queueing (memory, `<log>.pgqueue` on disk while the database is away, replay in order with
// backoff) is QueuedSink's. A replay of rows the database already has (a crash between commit and
// dequeue) is harmless: rows are upserted by key, so nothing is doubled.
//
// The monitor's head travels in the same queue as a line of its own (`{"mbm_head":{...}}`), at most
// once per `headIntervalMs`, so it reaches mbm_heads only after the records written before it (as
// the log's checkpoint moves only past records in the file).
import type { Client } from 'pg';
import { toLogLine, type MissedBlock } from '../../core/model';
import { connectStore, describePgError, describePostgresUrl, isDataError } from './connect';
import { QueuedSink, type QueuedSinkOptions, type SinkTransport } from './queuedSink';
import { NO_CHAIN, NO_SOURCE, rowFromLine, upsertRows, type StoreRow } from './rows';
import type { RecordSink, SinkHead } from './types';

export interface PostgresSinkOptions extends QueuedSinkOptions {
  url: string;
  connectTimeoutMs?: number;
  /** Least time between two head updates queued. Default 1 s. */
  headIntervalMs?: number;
}

const HEAD_PREFIX = '{"mbm_head":';

/** The head a queued head line carries, or undefined when the line is a record. */
function headOfLine(line: string): { source: string; chain_id: number; head: number } | undefined {
  if (!line.startsWith(HEAD_PREFIX)) return undefined;
  try {
    const h = (JSON.parse(line) as { mbm_head: SinkHead }).mbm_head;
    if (!Number.isSafeInteger(h.number) || h.number < 0) return undefined;
    return { source: typeof h.source === 'string' ? h.source : NO_SOURCE, chain_id: Number.isSafeInteger(h.chain_id) ? h.chain_id! : NO_CHAIN, head: h.number };
  } catch {
    return undefined;
  }
}

/** Upsert heads (the last of each monitor wins: lines are in write order). */
async function upsertHeads(client: Client, heads: ReadonlyMap<string, { source: string; chain_id: number; head: number }>): Promise<void> {
  if (heads.size === 0) return;
  const hs = [...heads.values()];
  await client.query(
    `INSERT INTO mbm_heads (source, chain_id, head)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
     ON CONFLICT (source, chain_id) DO UPDATE SET head = EXCLUDED.head, updated_at = now()`,
    [hs.map((h) => h.source), hs.map((h) => h.chain_id), hs.map((h) => h.head)],
  );
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
    const heads = new Map<string, { source: string; chain_id: number; head: number }>();
    for (const line of lines) {
      const h = headOfLine(line);
      if (h) {
        heads.set(`${h.source}\0${h.chain_id}`, h);
        continue;
      }
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
    await upsertHeads(client, heads);
    return rows.length;
  }
}

export class PostgresSink extends QueuedSink implements RecordSink {
  private readonly headIntervalMs: number;
  /** Heads noted and not yet queued, by monitor. */
  private readonly heads = new Map<string, SinkHead>();
  private headQueuedAt = -Infinity;
  private headTimer: NodeJS.Timeout | undefined;

  constructor(o: PostgresSinkOptions) {
    super(new PostgresTransport(o), o);
    this.headIntervalMs = o.headIntervalMs ?? 1_000;
  }

  noteHead(head: SinkHead): void {
    this.heads.set(`${head.source}\0${head.chain_id ?? ''}`, { ...head });
    const wait = this.headQueuedAt + this.headIntervalMs - Date.now();
    if (wait <= 0) this.queueHeads();
    // The newest head is queued within the interval even when no block follows it.
    else this.headTimer ??= setTimeout(() => this.queueHeads(), wait).unref();
  }

  override async close(): Promise<void> {
    this.queueHeads();
    await super.close();
  }

  private queueHeads(): void {
    clearTimeout(this.headTimer);
    this.headTimer = undefined;
    if (this.heads.size === 0) return;
    this.headQueuedAt = Date.now();
    for (const h of this.heads.values()) this.enqueue(`${HEAD_PREFIX}${JSON.stringify(h)}}`);
    this.heads.clear();
  }

  write(record: MissedBlock): void {
    // Serialized now, as the JSONL writer does: a later change to the object is a later write.
    this.enqueue(toLogLine(record));
  }
}
