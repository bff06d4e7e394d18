// Reading the Redis Streams back (`mbm tail --from-redis`): the last entries, then new ones as they
// are added (XREAD BLOCK), through outages (reconnect with backoff) until stopped.
import type { Redis } from 'ioredis';
import { backoffDelay } from '../../core/backoff';
import { abortableSleep } from '../sleep';
import { ALERTS_STREAM, connectRedis, describeRedisUrl, RECORDS_STREAM } from './redis';

export interface StreamEntry {
  /** The stream's entry id (ms-seq). */
  streamId: string;
  fields: Record<string, string>;
}

export interface ReadStreamOptions {
  alerts?: boolean;
  /** Entries to show first. */
  last: number;
  follow: boolean;
  signal?: AbortSignal;
  onEntry: (e: StreamEntry) => void;
  onWarning?: (m: string) => void;
  /** XREAD BLOCK timeout; the loop checks the signal between reads. Default 1000 ms. */
  blockMs?: number;
}

function entryOf([id, flat]: [string, string[]]): StreamEntry {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
  return { streamId: id, fields };
}

export async function readStream(url: string, o: ReadStreamOptions): Promise<void> {
  const stream = o.alerts ? ALERTS_STREAM : RECORDS_STREAM;
  const where = describeRedisUrl(url);
  let client: Redis | undefined = await connectRedis(url);
  let lastId = '0-0';
  try {
    if (o.last > 0) {
      const newest = (await client.xrevrange(stream, '+', '-', 'COUNT', o.last)) as [string, string[]][];
      for (const e of newest.reverse()) {
        o.onEntry(entryOf(e));
        lastId = e[0];
      }
    } else {
      const top = (await client.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
      if (top[0]) lastId = top[0][0];
    }
    let failures = 0;
    while (o.follow && !o.signal?.aborted) {
      try {
        client ??= await connectRedis(url);
        const got = (await client.xread('COUNT', 500, 'BLOCK', o.blockMs ?? 1000, 'STREAMS', stream, lastId)) as [string, [string, string[]][]][] | null;
        if (failures > 0) o.onWarning?.(`redis: ${where} reachable again`);
        failures = 0;
        for (const [, entries] of got ?? []) {
          for (const e of entries) {
            o.onEntry(entryOf(e));
            lastId = e[0];
          }
        }
      } catch (err) {
        client?.disconnect();
        client = undefined;
        if (failures++ === 0) o.onWarning?.(`redis: ${where}: ${(err as Error).message}; retrying`);
        await abortableSleep(backoffDelay(failures, { initialMs: 250, maxMs: 5_000 }), o.signal);
      }
    }
  } finally {
    client?.disconnect();
  }
}
