// GET /events: Server-Sent Events from an EventLog. A reconnecting client (EventSource sends
// Last-Event-ID by itself; `?lastEventId=` for clients that cannot set headers) first gets what it
// missed from the ring, then live events; when the ring no longer holds them it gets a `resync`
// event first, so it knows to reload /report or /export instead of trusting a silent hole.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiEvent, EventLog } from './events';

export interface SseOptions {
  /** Comment line sent this often so proxies and idle timeouts keep the stream open. Default 15 s. */
  heartbeatMs?: number;
  /** A client this far behind (bytes queued) is dropped; it reconnects and resumes from the ring. Default 1 MiB. */
  maxBufferedBytes?: number;
  /** Reconnect delay suggested to EventSource clients. Default 1000 ms. */
  retryMs?: number;
}

export function formatEvent(e: ApiEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${e.data}\n\n`;
}

/** The id to resume after, from the header or the query; 'bad' when one is given but is not an id. */
export function lastEventId(req: IncomingMessage, query: URLSearchParams): number | undefined | 'bad' {
  const raw = req.headers['last-event-id'] ?? query.get('lastEventId') ?? undefined;
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return undefined;
  const s = String(raw).trim();
  return /^\d{1,16}$/.test(s) ? Number(s) : 'bad';
}

/** Serve one /events client until it goes away (or the server closes it through `register`). */
export function serveEvents(
  req: IncomingMessage,
  res: ServerResponse,
  log: EventLog,
  lastId: number | undefined | 'bad',
  register: (end: () => void) => () => void,
  o: SseOptions = {},
): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    // nginx would otherwise buffer the stream and deliver events late.
    'x-accel-buffering': 'no',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const maxBuffered = o.maxBufferedBytes ?? 1 << 20;
  let sent = -1;
  const send = (e: ApiEvent) => {
    // Subscribed before the backlog was taken, so an event can arrive twice: ids decide.
    if (e.id <= sent || res.destroyed) return;
    sent = e.id;
    res.write(formatEvent(e));
    if (res.writableLength > maxBuffered) res.destroy();
  };
  const unsubscribe = log.subscribe(send);
  res.write(`retry: ${o.retryMs ?? 1000}\n: connected\n\n`);
  const backlog = log.since(lastId === 'bad' ? -1 : lastId);
  if (!backlog.complete) {
    const reason = lastId === 'bad' ? 'Last-Event-ID is not an event id' : 'events after Last-Event-ID are no longer held';
    res.write(`event: resync\ndata: ${JSON.stringify({ reason, last_event_id: lastId === 'bad' ? null : lastId, oldest_id: backlog.events[0]?.id ?? log.nextId })}\n\n`);
  }
  for (const e of backlog.events) send(e);
  const heartbeat = setInterval(() => res.write(': ping\n\n'), o.heartbeatMs ?? 15_000);
  heartbeat.unref();
  const end = () => res.end();
  const unregister = register(end);
  res.on('close', () => {
    clearInterval(heartbeat);
    unsubscribe();
    unregister();
  });
}
