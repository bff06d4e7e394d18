// classifyError against errors produced by real loopback sockets: Node's fetch (undici), the ws
// client, our HttpRpcClient/WsRpcClient, and ethers v6 (which other modules may still use).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { FetchRequest, JsonRpcProvider, Network } from 'ethers';
import { classifyError, ClassifiedError, describeFailure, HttpStatusError, RequestTimeoutError, RpcResponseError, SocketClosedError, toClassified } from '../../src/node/chain/errors';
import { SourceBase } from '../../src/node/chain/sourceBase';
import { HttpRpcClient } from '../../src/node/chain/rpc';
import { WsRpcClient } from '../../src/node/chain/wsRpc';
import { freePort } from '../../src/node/chain/anvil';
import type { MissedBlockReason } from '../../src/core/model';

const { WebSocketServer } = require('ws') as {
  WebSocketServer: new (o: { host: string; port: number }) => {
    on(ev: 'connection', l: (ws: { on(ev: 'message', l: () => void): void; terminate(): void }) => void): void;
    on(ev: 'listening', l: () => void): void;
    close(): void;
  };
};

const reasonOf = async (p: Promise<unknown>): Promise<MissedBlockReason> => {
  try {
    await p;
  } catch (err) {
    return classifyError(err);
  }
  assert.fail('expected a rejection');
};

function jsonRpcError(res: ServerResponse, body: string, error: object, status = 200): void {
  const { id } = JSON.parse(body) as { id: number };
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id, error }));
}

/** One loopback server whose path selects the fault. */
function faultServer(): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      switch (req.url) {
        case '/429':
          res.writeHead(429, { 'retry-after': '2' });
          return res.end('Too Many Requests');
        case '/stall':
          return; // never answer
        case '/reset':
          return req.socket.destroy();
        case '/500':
          res.writeHead(500);
          return res.end('internal');
        case '/notjson':
          res.writeHead(200);
          return res.end('<html>');
        case '/limit':
          return jsonRpcError(res, body, { code: -32005, message: 'daily request count exceeded, request rate limited' });
        case '/ratetext':
          return jsonRpcError(res, body, { code: -32000, message: 'Your app has exceeded its compute units per second capacity' });
        default:
          return jsonRpcError(res, body, { code: -32601, message: 'Method not found' });
      }
    });
  });
}

describe('classifyError with real sockets', () => {
  let srv: Server;
  let base: string;
  let deadPort: number;

  before(async () => {
    srv = faultServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    deadPort = await freePort();
  });
  after(() => {
    srv.closeAllConnections();
    srv.close();
  });

  const client = (path: string, timeoutMs = 2_000) => new HttpRpcClient(`${base}${path}`, { timeoutMs, label: 't' });

  test('connection refused → ConnectionLost (fetch, HttpRpcClient, ethers)', async () => {
    assert.equal(await reasonOf(fetch(`http://127.0.0.1:${deadPort}`)), 'ConnectionLost');
    const err = await new HttpRpcClient(`http://127.0.0.1:${deadPort}/v3/SECRET-KEY`).call('eth_blockNumber').catch((e: unknown) => e);
    assert.ok(err instanceof ClassifiedError);
    assert.equal(err.reason, 'ConnectionLost');
    assert.doesNotMatch(err.message, /SECRET-KEY/, 'messages name the label, never the URL (it may hold an API key)');
    assert.equal(await reasonOf(new FetchRequest(`http://127.0.0.1:${deadPort}`).send()), 'ConnectionLost');
  });

  test('socket destroyed mid-request → ConnectionLost', async () => {
    assert.equal(await reasonOf(fetch(`${base}/reset`, { method: 'POST', body: '{}' })), 'ConnectionLost');
    assert.equal(await reasonOf(client('/reset').call('eth_blockNumber')), 'ConnectionLost');
    assert.equal(await reasonOf(new FetchRequest(`${base}/reset`).send()), 'ConnectionLost');
  });

  test('request over the timeout → Timeout', async () => {
    const t = Date.now();
    assert.equal(await reasonOf(client('/stall', 200).call('eth_blockNumber')), 'Timeout');
    assert.ok(Date.now() - t < 1_500, 'the client gave up at its own deadline');
    assert.equal(await reasonOf(fetch(`${base}/stall`, { signal: AbortSignal.timeout(100) })), 'Timeout');
    const req = new FetchRequest(`${base}/stall`);
    req.timeout = 100;
    assert.equal(await reasonOf(req.send()), 'Timeout');
  });

  test('HTTP 429 → RateLimitExceeded, Retry-After kept', async () => {
    const err = await client('/429').call('eth_blockNumber').catch((e: unknown) => e);
    assert.ok(err instanceof ClassifiedError);
    assert.equal(err.reason, 'RateLimitExceeded');
    assert.equal(err.retryAfterMs, 2_000);
    // ethers retries 429 by itself (up to 12 times); with one attempt its error still classifies.
    const req = new FetchRequest(`${base}/429`);
    req.setThrottleParams({ maxAttempts: 1 });
    assert.equal(await reasonOf(req.send().then((r) => r.assertOk())), 'RateLimitExceeded');
  });

  test('JSON-RPC limit errors → RateLimitExceeded', async () => {
    assert.equal(await reasonOf(client('/limit').call('eth_blockNumber')), 'RateLimitExceeded');
    assert.equal(await reasonOf(client('/ratetext').call('eth_blockNumber')), 'RateLimitExceeded');
    const net = Network.from(1);
    const p = new JsonRpcProvider(`${base}/limit`, net, { staticNetwork: net });
    assert.equal(await reasonOf(p.send('eth_blockNumber', [])), 'RateLimitExceeded');
    p.destroy();
  });

  test('JSON-RPC error response, HTTP 500, non-JSON → RpcError', async () => {
    assert.equal(await reasonOf(client('/x').call('foo_bar')), 'RpcError');
    assert.equal(await reasonOf(client('/500').call('eth_blockNumber')), 'RpcError');
    assert.equal(await reasonOf(client('/notjson').call('eth_blockNumber')), 'RpcError');
    const net = Network.from(1);
    const p = new JsonRpcProvider(`${base}/x`, net, { staticNetwork: net });
    assert.equal(await reasonOf(p.send('foo_bar', [])), 'RpcError');
    p.destroy();
  });

  test('WebSocket refused, and closed under a pending request → ConnectionLost', async () => {
    const refused = new WsRpcClient(`ws://127.0.0.1:${deadPort}`, { timeoutMs: 2_000 });
    assert.equal(await reasonOf(refused.call('eth_blockNumber')), 'ConnectionLost');
    await refused.close();

    // A server that accepts, then drops the connection when it gets a request.
    const port = await freePort();
    const wss = new WebSocketServer({ host: '127.0.0.1', port });
    await new Promise<void>((r) => wss.on('listening', r));
    wss.on('connection', (ws) => ws.on('message', () => ws.terminate()));
    const closed: ClassifiedError[] = [];
    const c = new WsRpcClient(`ws://127.0.0.1:${port}`, { timeoutMs: 2_000, onClose: (e) => closed.push(e) });
    try {
      assert.equal(await reasonOf(c.call('eth_blockNumber')), 'ConnectionLost');
      assert.equal(closed.length, 1);
      assert.equal(closed[0]!.reason, 'ConnectionLost');
    } finally {
      await c.close();
      wss.close();
    }
  });

  test('a TCP peer that accepts then closes at once → ConnectionLost', async () => {
    const tcp = createTcpServer((s) => s.end());
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(tcp.address() as { port: number }).port}`;
      assert.equal(await reasonOf(new HttpRpcClient(url).call('eth_blockNumber')), 'ConnectionLost');
    } finally {
      tcp.close();
    }
  });
});

describe('classifyError on plain values', () => {
  test('unrecognised → Unknown', () => {
    assert.equal(classifyError(new Error('boom')), 'Unknown');
    assert.equal(classifyError(undefined), 'Unknown');
    assert.equal(classifyError(42), 'Unknown');
  });

  test('an already classified error keeps its reason; toClassified wraps once', () => {
    const c = new ClassifiedError('InvalidBlock', 'bad parent');
    assert.equal(classifyError(c), 'InvalidBlock');
    assert.equal(toClassified(c), c);
    const wrapped = toClassified(Object.assign(new Error('x'), { code: 'EPIPE' }), 'ctx');
    assert.equal(wrapped.reason, 'ConnectionLost');
    assert.match(wrapped.message, /^ctx: x/);
  });

  test('a "gas limit exceeded" RPC error is an RpcError, not a rate limit', () => {
    assert.equal(classifyError({ code: -32000, message: 'gas limit exceeded' }), 'RpcError');
  });
});

describe('describeFailure: why, in words an operator can act on', () => {
  test('statuses, JSON-RPC errors, timeouts, socket codes, and the fallback', () => {
    assert.equal(describeFailure(new HttpStatusError(503)), 'HTTP 503 Service Unavailable');
    assert.equal(describeFailure(new RpcResponseError(-32601, 'the method eth_subscribe does not exist')), 'JSON-RPC error -32601: the method eth_subscribe does not exist');
    assert.equal(describeFailure(new RequestTimeoutError(1500, 'x eth_chainId')), 'no answer within 1500 ms');
    assert.equal(describeFailure(new SocketClosedError(1006)), 'WebSocket closed by the endpoint (code 1006)');
    assert.equal(describeFailure(Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND nope.invalid'), { code: 'ENOTFOUND' }) })), 'host name not found (DNS)');
    assert.equal(describeFailure(Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })), 'TLS error: DEPTH_ZERO_SELF_SIGNED_CERT (self-signed certificate)');
    assert.equal(describeFailure(new Error('node-1:8545 eth_blockNumber: something odd\nsecond line')), 'something odd second line');
    assert.equal(describeFailure(new ClassifiedError('RpcError', 'x', { detail: 'wrong chain id: the node is on chain 5, expected 1' })), 'wrong chain id: the node is on chain 5, expected 1');
  });

  test('a source scrubs its URL (and its key) out of the message and the detail', () => {
    const url = 'https://mainnet.example.io/v3/SECRETKEY0123456789';
    class Probe extends SourceBase {
      async start() {}
      async stop() {}
      fail(err: unknown) {
        return this.failed(err);
      }
    }
    const p = new Probe({ label: 'mainnet.example.io:443', url }, { backoff: { initialMs: 1, maxMs: 1 } });
    const seen: string[] = [];
    p.on('error', (_r, e) => seen.push(e.message, (e as ClassifiedError).detail));
    p.on('down', (_r, d) => seen.push(d));
    p.fail(new Error(`request to ${url} failed, reason: /v3/SECRETKEY0123456789 is not allowed`));
    assert.equal(seen.length, 3);
    for (const s of seen) assert.ok(!s.includes('SECRETKEY'), s);
    assert.equal(seen[2], 'request to *** failed, reason: *** is not allowed');
  });
});
