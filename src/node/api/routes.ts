// The API's routes over an ApiProvider: /health /stats /metrics /report /export /events, POST /expect.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LogReadError } from '../log/reader';
import { formatReportText } from '../reportText';
import { serveExport } from './exportRoute';
import { serveExpect } from './expectRoute';
import type { Limiter } from './limiter';
import type { ApiProvider } from './provider';
import { checkParams, formatParam } from './query';
import { HttpError, sendBody, sendJson } from './respond';
import { lastEventId, serveEvents, type SseOptions } from './sse';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  provider: ApiProvider;
  /** Bounds the requests that read whole logs. */
  heavy: Limiter;
  /** Lets the server end open event streams when it closes. */
  trackStream(end: () => void): () => void;
  sse: SseOptions;
}

export type Route = (ctx: RouteContext) => Promise<void>;

/** A log that cannot be read is the service being unavailable, not the client's mistake. */
async function fromLogs<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof LogReadError) throw new HttpError(503, err.message);
    throw err;
  }
}

export const ROUTES: Readonly<Record<string, Route>> = {
  async '/health'({ res, query, provider }) {
    checkParams(query, []);
    const h = await provider.health();
    sendJson(res, h.ok ? 200 : 503, h.body);
  },

  async '/stats'({ res, query, provider, heavy }) {
    checkParams(query, []);
    // From logs it is a read of whole files (queued with the exports); live it is a snapshot.
    const stats = provider.mode === 'logs' ? await heavy.run(() => fromLogs(() => provider.stats())) : await provider.stats();
    sendJson(res, 200, stats);
  },

  async '/metrics'({ res, query, provider }) {
    checkParams(query, []);
    await fromLogs(() => provider.refreshMetrics());
    sendBody(res, 200, provider.metrics.contentType, await provider.metrics.exposition());
  },

  async '/report'({ res, query, provider, heavy }) {
    checkParams(query, ['format']);
    const format = formatParam(query, ['json', 'text'] as const, 'json');
    const report = await heavy.run(() => fromLogs(() => provider.report()));
    // The same bytes `mbm report --json` and `mbm report` (without colour) print.
    if (format === 'text') sendBody(res, 200, 'text/plain; charset=utf-8', formatReportText(report, { color: false }));
    else sendJson(res, 200, report);
  },

  async '/export'({ req, res, query, provider, heavy }) {
    await heavy.run(async () => serveExport(req, res, query, provider.exportRecords ? (f) => provider.exportRecords!(f) : await provider.exportFiles()));
  },

  async '/expect'({ req, res, query, provider }) {
    checkParams(query, []);
    await serveExpect(req, res, provider);
  },

  async '/events'({ req, res, query, provider, trackStream, sse }) {
    checkParams(query, ['lastEventId']);
    const last = lastEventId(req, query);
    if (last === 'bad' && query.has('lastEventId')) throw new HttpError(400, `lastEventId must be an event id (a whole number), got ${JSON.stringify(query.get('lastEventId'))}`);
    serveEvents(req, res, provider.events, last, trackStream, sse);
  },
};
