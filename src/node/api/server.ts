// The HTTP API on node:http: loopback by default, optional bearer token, GET/HEAD only (POST for /expect). The same
// server runs over a live monitor (`mbm watch --listen`) or over log files (`mbm serve`); the
// provider is what differs.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerAuth } from './auth';
import { Limiter } from './limiter';
import type { ApiProvider } from './provider';
import { HttpError, sendError } from './respond';
import { ROUTES } from './routes';
import type { SseOptions } from './sse';

/** The relay docs' `curl http://localhost:9090/metrics`. */
export const DEFAULT_API_PORT = 9090;
export const DEFAULT_API_HOST = '127.0.0.1';

export interface HttpServerOptions {
  /** Default 127.0.0.1: nothing is exposed beyond this machine unless asked for. */
  host?: string;
  /** Default 9090; 0 picks a free port. */
  port?: number;
  /** Require `Authorization: Bearer <token>` on every request. */
  token?: string;
  provider: ApiProvider;
  /** Concurrent /export, /report and /stats reads; the rest queue. Default 8. */
  maxHeavy?: number;
  sse?: SseOptions;
  /** How long close() lets open responses finish before cutting them. Default 5 s. */
  closeGraceMs?: number;
  /** A handler failed unexpectedly (answered 500). Default: ignored. */
  onError?(err: Error): void;
}

export interface RunningHttpServer {
  server: Server;
  host: string;
  port: number;
  /** http://host:port (IPv6 hosts bracketed). */
  url: string;
  /** End event streams, stop accepting, wait for open requests to finish. Does not close the provider. */
  close(): Promise<void>;
}

const ALLOW = 'GET, HEAD';
/** Routes that take a body; every other route is read-only. */
const POST_ROUTES: Readonly<Record<string, true>> = { '/expect': true };

export async function startHttpServer(o: HttpServerOptions): Promise<RunningHttpServer> {
  const authorized = bearerAuth(o.token);
  const heavy = new Limiter(o.maxHeavy ?? 8);
  const streams = new Set<() => void>();
  const trackStream = (end: () => void) => {
    streams.add(end);
    return () => streams.delete(end);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // Checked before routing, so paths cannot be probed without the token.
    if (!authorized(req)) throw new HttpError(401, 'missing or wrong bearer token', { 'www-authenticate': 'Bearer realm="mbm"' });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      throw new HttpError(400, 'malformed request target');
    }
    const route = Object.hasOwn(ROUTES, url.pathname) ? ROUTES[url.pathname] : undefined;
    if (!route) throw new HttpError(404, `no such endpoint ${JSON.stringify(url.pathname)} (try /health, /stats, /metrics, /report, /export, /events, POST /expect)`);
    if (Object.hasOwn(POST_ROUTES, url.pathname)) {
      if (req.method !== 'POST') throw new HttpError(405, `method ${req.method} not allowed (POST)`, { allow: 'POST' });
    } else if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `method ${req.method} not allowed (${ALLOW})`, { allow: ALLOW });
    await route({ req, res, query: url.searchParams, provider: o.provider, heavy, trackStream, sse: o.sse ?? {} });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (err instanceof HttpError) return sendError(res, err.status, err.message, err.headers);
      // The client went away mid-response: nothing to answer.
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_STREAM_DESTROYED' || code === 'ECONNRESET' || res.destroyed) return;
      o.onError?.(err);
      sendError(res, 500, `internal error: ${err.message}`);
    });
  });

  const host = o.host ?? DEFAULT_API_HOST;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? DEFAULT_API_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    server,
    host: addr.address,
    port: addr.port,
    url: `http://${shown}:${addr.port}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const end of [...streams]) end();
      server.closeIdleConnections();
      // A client that stopped reading an export must not hold the shutdown forever.
      const force = setTimeout(() => server.closeAllConnections(), o.closeGraceMs ?? 5_000);
      await closed;
      clearTimeout(force);
    },
  };
}

/** A provider behind its own server: close() stops both; a server that fails to start closes the provider. */
export async function startProviderServer(provider: ApiProvider, o: Omit<HttpServerOptions, 'provider'>): Promise<RunningHttpServer> {
  try {
    const server = await startHttpServer({ ...o, provider });
    return {
      ...server,
      async close() {
        await server.close();
        await provider.close();
      },
    };
  } catch (err) {
    await provider.close();
    throw err;
  }
}
