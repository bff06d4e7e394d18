// A loopback JSON-RPC proxy in front of a real node that injects faults on demand, switchable at
// runtime: 'pass' forwards, 'ratelimit' answers 429 + Retry-After, 'stall' holds the request past
// any client timeout, 'reset' destroys the socket, 'rpcerror' answers a JSON-RPC error body.
// `setDelay` adds latency to forwarded HTTP requests. WebSocket upgrades are tunnelled at the TCP level ('reset' and 'stall' also hit open tunnels).
// It counts what passes, so tests can prove batching (requests vs calls). With `gatewayPath` it
// also acts as a provider's gateway: only that path (which holds the API key, as in Infura's
// /v3/<key>) is served, forwarded to the node's '/'; any other path gets 401.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export type ProxyMode = 'pass' | 'ratelimit' | 'stall' | 'reset' | 'rpcerror';

export interface ProxyStats {
  /** HTTP requests received. */
  requests: number;
  /** JSON-RPC calls inside them (a batch of 100 counts 100). */
  calls: number;
  /** Size of every array (batch) body received. */
  batchSizes: number[];
  methods: string[];
  wsConnections: number;
}

export interface RpcProxy {
  readonly url: string;
  readonly wsUrl: string;
  readonly port: number;
  readonly mode: ProxyMode;
  readonly stats: ProxyStats;
  setMode(mode: ProxyMode): void;
  /** In 'pass' mode, hold each HTTP request this long before forwarding it (latency injection). */
  setDelay(ms: number): void;
  resetStats(): void;
  close(): Promise<void>;
}

interface Tunnel {
  client: Duplex;
  /** None when the upgrade arrived in 'stall' mode: the handshake is simply never answered. */
  upstream?: Socket;
  stalled: boolean;
}

const freshStats = (): ProxyStats => ({ requests: 0, calls: 0, batchSizes: [], methods: [], wsConnections: 0 });

/** Proxy for `target` (an http://127.0.0.1:port URL), listening on a free loopback port. */
export async function startProxy(target: string, opts: { mode?: ProxyMode; retryAfterSec?: number; gatewayPath?: string } = {}): Promise<RpcProxy> {
  const t = new URL(target);
  let mode: ProxyMode = opts.mode ?? 'pass';
  let delayMs = 0;
  let stats = freshStats();
  const held = new Set<ServerResponse>();
  const tunnels = new Set<Tunnel>();

  const count = (body: string) => {
    stats.requests++;
    try {
      const j = JSON.parse(body) as unknown;
      const calls = (Array.isArray(j) ? j : [j]) as { method?: string }[];
      if (Array.isArray(j)) stats.batchSizes.push(j.length);
      stats.calls += calls.length;
      for (const c of calls) stats.methods.push(String(c?.method));
    } catch {
      /* not JSON: counted as a request only */
    }
  };

  const rpcError = (body: string): string => {
    const err = (id: unknown) => ({ jsonrpc: '2.0', id, error: { code: -32603, message: 'injected internal error' } });
    try {
      const j = JSON.parse(body) as unknown;
      return JSON.stringify(Array.isArray(j) ? j.map((c: { id?: unknown }) => err(c?.id)) : err((j as { id?: unknown })?.id));
    } catch {
      return JSON.stringify(err(null));
    }
  };

  const forward = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const up = request(
      { host: t.hostname, port: t.port, method: req.method, path: opts.gatewayPath ? '/' : req.url, headers: { ...req.headers, host: t.host } },
      (ures) => {
        res.writeHead(ures.statusCode ?? 502, ures.headers);
        ures.pipe(res);
      },
    );
    up.on('error', () => res.destroy()); // node down behind the proxy: the client sees a reset
    up.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      count(body);
      if (opts.gatewayPath && req.url !== opts.gatewayPath) {
        res.writeHead(401, { 'content-type': 'application/json' });
        return res.end('{"error":"invalid project id"}');
      }
      switch (mode) {
        case 'pass':
          if (delayMs > 0) return void setTimeout(() => forward(req, res, body), delayMs);
          return forward(req, res, body);
        case 'ratelimit':
          res.writeHead(429, { 'retry-after': String(opts.retryAfterSec ?? 1), 'content-type': 'text/plain' });
          return res.end('Too Many Requests');
        case 'stall':
          held.add(res);
          res.on('close', () => held.delete(res));
          return;
        case 'reset':
          return req.socket.destroy();
        case 'rpcerror':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(rpcError(body));
      }
    });
  });

  server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    stats.wsConnections++;
    client.on('error', () => client.destroy());
    if (mode === 'reset') return client.destroy();
    if (opts.gatewayPath && req.url !== opts.gatewayPath) return void client.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
    if (mode === 'stall') {
      const tunnel: Tunnel = { client, stalled: true };
      tunnels.add(tunnel);
      client.on('close', () => tunnels.delete(tunnel));
      return;
    }
    if (mode === 'ratelimit') {
      client.end(`HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${opts.retryAfterSec ?? 1}\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    // 'pass' (and 'rpcerror', which would need frame rewriting: passed through as is).
    const upstream = connect(Number(t.port), t.hostname);
    const tunnel: Tunnel = { client, upstream, stalled: false };
    tunnels.add(tunnel);
    const end = () => {
      tunnels.delete(tunnel);
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', end).on('close', end);
    client.on('close', end);
    upstream.on('connect', () => {
      const headers = Object.entries(req.headers).map(([k, v]) => `${k}: ${k === 'host' ? t.host : String(v)}`);
      upstream.write(`${req.method} ${opts.gatewayPath ? '/' : req.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as { port: number }).port;

  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    get mode() {
      return mode;
    },
    get stats() {
      return stats;
    },
    setMode(m: ProxyMode) {
      mode = m;
      for (const tn of [...tunnels]) {
        if (m === 'reset') {
          tn.client.destroy();
          tn.upstream?.destroy();
          tunnels.delete(tn);
        } else if (m === 'stall' && !tn.stalled && tn.upstream) {
          // Stop forwarding both ways: the connection stays open but goes silent.
          tn.stalled = true;
          tn.client.unpipe(tn.upstream);
          tn.upstream.unpipe(tn.client);
          tn.client.pause();
          tn.upstream.pause();
        }
      }
    },
    setDelay(ms: number) {
      delayMs = Math.max(0, ms);
    },
    resetStats() {
      stats = freshStats();
    },
    async close() {
      for (const res of held) res.destroy();
      for (const tn of tunnels) {
        tn.client.destroy();
        tn.upstream?.destroy();
      }
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
