// Redis Streams as a live feed of the monitor for other services of a relay: every record the log
// gets is XADDed to `mbm:records`, every alert to `mbm:alerts` (MAXLEN ~ N, so the streams stay
// bounded). Same outage rules as the PostgreSQL store (QueuedSink): `<log>.redisqueue` on disk
// while Redis is away, replayed in order when it is back. A replay must not double an entry, and
// a stream has no unique key, so each XADD runs in a script that first claims the entry's id
// (`SET mbm:seen:<stream>:<id> NX EX ttl`): an id already claimed is skipped. The id of a record
// entry is the SHA-1 of its log line (a later version of a record is a new line, a new entry).
// ioredis loads only when Redis is configured.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { recordKey, toLogLine, type MissedBlock } from '../../core/model';
import type { AlertMessage } from '../alerts/message';
import { QueuedSink, type QueuedSinkOptions, type SinkTransport } from './queuedSink';
import type { RecordSink } from './types';

export const RECORDS_STREAM = 'mbm:records';
export const ALERTS_STREAM = 'mbm:alerts';
export const DEFAULT_REDIS_MAXLEN = 100_000;
/** How long an entry's id is remembered for dedupe: longer than any outage the queue can hold. */
const DEFAULT_DEDUPE_TTL_S = 7 * 86_400;

export interface RedisSinkOptions extends QueuedSinkOptions {
  url: string;
  /** Approximate bound of each stream (XADD MAXLEN ~). Default 100,000. */
  maxLen?: number;
  dedupeTtlS?: number;
  connectTimeoutMs?: number;
}

/** The spool file conventionally used for a log. */
export function redisSpoolPathFor(logPath: string): string {
  return `${logPath}.redisqueue`;
}

/** host:port/db of a redis:// URL: what messages name (never the password). */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    const db = u.pathname.replace(/^\//, '');
    return `${u.hostname || 'localhost'}:${u.port || 6379}${db ? `/${db}` : ''}`;
  } catch {
    return 'redis';
  }
}

/** A connected client that does not queue or retry on its own: the sink (or the reader) decides. */
export async function connectRedis(url: string, o: { connectTimeoutMs?: number; commandTimeoutMs?: number } = {}): Promise<Redis> {
  const { Redis: Client } = await import('ioredis');
  const client = new Client(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: o.connectTimeoutMs ?? 5_000,
    commandTimeout: o.commandTimeoutMs ?? 30_000,
  });
  // Without a listener an 'error' event would crash the process; failures surface from commands.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return client;
  } catch (err) {
    client.disconnect();
    throw err;
  }
}

// KEYS[1] stream, KEYS[2] dedupe key; ARGV[1] maxlen, ARGV[2] ttl, ARGV[3..] field value ...
const XADD_ONCE = `
if redis.call('SET', KEYS[2], '1', 'NX', 'EX', tonumber(ARGV[2])) then
  return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 3))
end
return false`;

/** Queue lines: `r\t<record line>` or `a\t<alert JSON>`. */
type Entry = { stream: string; id: string; fields: string[] };

function entryOf(line: string): Entry | { error: string } {
  const tag = line.slice(0, 2);
  const body = line.slice(2);
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return { error: 'not JSON' };
  }
  const id = createHash('sha1').update(body).digest('hex');
  if (tag === 'r\t') {
    const r = o as unknown as MissedBlock;
    if (typeof r.block_number !== 'number') return { error: 'no block_number' };
    return {
      stream: RECORDS_STREAM,
      id,
      fields: ['id', id, 'key', recordKey(r), 'source', String(r.source ?? ''), 'chain_id', r.chain_id === undefined ? '' : String(r.chain_id), 'kind', r.kind ?? 'gap', 'block_number', String(r.block_number), 'record', body],
    };
  }
  if (tag === 'a\t') {
    const a = o as unknown as AlertMessage;
    return {
      stream: ALERTS_STREAM,
      // The alert's own idempotency key: the same event is one entry however often it is queued.
      id: typeof a.id === 'string' ? a.id : id,
      fields: ['id', String(a.id ?? id), 'kind', String(a.kind), 'source', String(a.source?.label ?? ''), 'chain_id', a.source?.chain_id === undefined ? '' : String(a.source.chain_id), 'severity', String(a.severity ?? ''), 'incident', String(a.incident ?? ''), 'alert', body],
    };
  }
  return { error: `unknown entry type ${JSON.stringify(tag)}` };
}

class RedisTransport implements SinkTransport {
  readonly name = 'redis';
  readonly where: string;
  private client: Redis | undefined;

  constructor(private readonly o: RedisSinkOptions) {
    this.where = describeRedisUrl(o.url);
  }

  async connect(): Promise<void> {
    const c = await connectRedis(this.o.url, { connectTimeoutMs: this.o.connectTimeoutMs });
    c.defineCommand('mbmXaddOnce', { numberOfKeys: 2, lua: XADD_ONCE });
    this.client = c;
  }

  async disconnect(): Promise<void> {
    this.client?.disconnect();
    this.client = undefined;
  }

  describeError(err: unknown): string {
    const e = err as { code?: string; message?: string };
    const msg = e?.message ?? String(err);
    return e?.code && !msg.includes(e.code) ? `${msg} (${e.code})` : msg;
  }

  async send(lines: readonly string[], warn: (m: string) => void): Promise<number> {
    const client = this.client as Redis & { mbmXaddOnce(...args: (string | number)[]): Promise<unknown> };
    const p = client.pipeline() as ReturnType<Redis['pipeline']> & { mbmXaddOnce(...args: (string | number)[]): unknown };
    let n = 0;
    for (const line of lines) {
      const e = entryOf(line);
      if ('error' in e) {
        warn(`redis: skipped a queued entry (${e.error})`);
        continue;
      }
      p.mbmXaddOnce(e.stream, `mbm:seen:${e.stream}:${e.id}`, this.o.maxLen ?? DEFAULT_REDIS_MAXLEN, this.o.dedupeTtlS ?? DEFAULT_DEDUPE_TTL_S, ...e.fields);
      n++;
    }
    if (n === 0) return 0;
    const results = (await p.exec()) ?? [];
    const failed = results.find(([err]) => err);
    // Any failure may be the connection: resend the batch (the claimed ids make that harmless).
    if (failed) throw failed[0];
    return n;
  }
}

export class RedisSink extends QueuedSink implements RecordSink {
  constructor(o: RedisSinkOptions) {
    super(new RedisTransport(o), o);
  }

  write(record: MissedBlock): void {
    this.enqueue(`r\t${toLogLine(record)}`);
  }

  writeAlert(msg: AlertMessage): void {
    this.enqueue(`a\t${JSON.stringify(msg)}`);
  }
}
