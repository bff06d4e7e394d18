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

/** `allowed`, and `chain` when the provider watches [[chains]]. */
function params(provider: ApiProvider, allowed: readonly string[]): string[] {
  return provider.chains ? [...allowed, 'chain'] : [...allowed];
}

/** `?chain=NAME` (checked against the provider's chains), or undefined. */
function chainParam(query: URLSearchParams, provider: ApiProvider): string | undefined {
  const name = query.get('chain');
  if (name === null || !provider.chains) return undefined;
  if (!provider.chains.includes(name)) throw new HttpError(400, `chain must be one of ${provider.chains.join(', ')}, got ${JSON.stringify(name)}`);
  return name;
}

/** One chain's answer with `?chain=`, else (with [[chains]]) `{ chains: { name: answer } }`. */
async function perChain<T>(query: URLSearchParams, provider: ApiProvider, fn: (chain?: string) => Promise<T>): Promise<T | { chains: Record<string, T> }> {
  const chain = chainParam(query, provider);
  if (chain !== undefined || !provider.chains) return fn(chain);
  const out: Record<string, T> = {};
  for (const name of provider.chains) out[name] = await fn(name);
  return { chains: out };
}

export const ROUTES: Readonly<Record<string, Route>> = {
  async '/health'({ res, query, provider }) {
    checkParams(query, params(provider, []));
    const h = await provider.health(chainParam(query, provider));
    sendJson(res, h.ok ? 200 : 503, h.body);
  },

  async '/stats'({ res, query, provider, heavy }) {
    checkParams(query, params(provider, []));
    // From logs it is a read of whole files (queued with the exports); live it is a snapshot.
    const stats = await perChain(query, provider, (chain) => (provider.mode === 'logs' ? heavy.run(() => fromLogs(() => provider.stats(chain))) : provider.stats(chain)));
    sendJson(res, 200, stats);
  },

  async '/metrics'({ res, query, provider }) {
    checkParams(query, []);
    await fromLogs(() => provider.refreshMetrics());
    sendBody(res, 200, provider.metrics.contentType, await provider.metrics.exposition());
  },

  async '/report'({ res, query, provider, heavy }) {
    checkParams(query, params(provider, ['format']));
    const format = formatParam(query, ['json', 'text'] as const, 'json');
    const report = await perChain(query, provider, (chain) => heavy.run(() => fromLogs(() => provider.report(chain))));
    // The same bytes `mbm report --json` and `mbm report` (without colour) print; one section per chain.
    if (format === 'json') sendJson(res, 200, report);
    else if ('chains' in report) sendBody(res, 200, 'text/plain; charset=utf-8', Object.entries(report.chains).map(([name, r]) => `== ${name} ==\n${formatReportText(r, { color: false })}`).join('\n'));
    else sendBody(res, 200, 'text/plain; charset=utf-8', formatReportText(report, { color: false }));
  },

  async '/export'({ req, res, query, provider, heavy }) {
    const chain = chainParam(query, provider);
    if (provider.chains) query.delete('chain');
    await heavy.run(async () => serveExport(req, res, query, provider.exportRecords ? (f) => provider.exportRecords!(f, chain) : await provider.exportFiles(chain)));
  },

  async '/expect'({ req, res, query, provider }) {
    checkParams(query, params(provider, []));
    await serveExpect(req, res, provider, chainParam(query, provider));
  },

  async '/events'({ req, res, query, provider, trackStream, sse }) {
    checkParams(query, ['lastEventId']);
    const last = lastEventId(req, query);
    if (last === 'bad' && query.has('lastEventId')) throw new HttpError(400, `lastEventId must be an event id (a whole number), got ${JSON.stringify(query.get('lastEventId'))}`);
    serveEvents(req, res, provider.events, last, trackStream, sse);
  },
};
