// "Down" says why: the console line of `mbm watch`, /health and the extension tree's Connection
// row name what an operator can act on. The peers are loopback servers that misbehave the way
// real ones do — a web server (404 page echoing the path, as Express and nginx do) behind a ws://
// URL, a web page answering JSON-RPC POSTs, a JSON API that is not JSON-RPC, a WebSocket server
// that does not speak JSON — and a real anvil on another chain than the one expected. Every URL
// carries a provider-style key in its path, which must appear nowhere.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { defaultConfig } from '../../src/core/config';
import { startLiveApi } from '../../src/node/api/liveProvider';
import { buildTree, type LogInput } from '../../src/extension/model/treeModel';
import { summarize } from '../../src/extension/model/summary';
import { MonitorRun } from '../../src/extension/monitorRun';
import { startAnvil, stopAllAnvils } from '../helpers/anvil';
import { spawnMbm } from '../helpers/cli';
import { guardProcess } from '../helpers/guard';
import { get } from '../helpers/http';
import { startService, type Running } from '../helpers/service';
import { waitFor } from '../helpers/wait';

guardProcess();

const KEY = 'SECRETKEY0123456789abcdef';
const servers: Server[] = [];
const runs: Running[] = [];
const children = new Set<ChildProcess>();
const dirs: string[] = [];
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(runs.map((r) => r.stop()));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await stopAllAnvils();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A plain web server: every request (a WebSocket upgrade too) gets a 404 page quoting the path. */
async function webServer(status = 404, contentType = 'text/html', body = (p: string) => `<html><body>Cannot GET ${p}</body></html>`): Promise<number> {
  const srv = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(status, { 'content-type': contentType });
      res.end(body(req.url ?? ''));
    });
  });
  srv.on('upgrade', (req, socket) => {
    const page = body(req.url ?? '');
    socket.end(`HTTP/1.1 ${status} ${status === 404 ? 'Not Found' : 'OK'}\r\ncontent-type: ${contentType}\r\ncontent-length: ${Buffer.byteLength(page)}\r\nconnection: close\r\n\r\n${page}`);
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as AddressInfo).port;
}

/** A WebSocket server that answers every message with plain text (a chat echo, not JSON-RPC). */
async function textWsServer(): Promise<number> {
  const { WebSocketServer } = require('ws') as { WebSocketServer: new (o: { server: Server }) => { on(e: 'connection', l: (ws: { on(e: 'message', l: () => void): void; send(s: string): void }) => void): void } };
  const srv = createServer();
  const wss = new WebSocketServer({ server: srv });
  wss.on('connection', (ws) => ws.on('message', () => ws.send('hello from the chat server')));
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as AddressInfo).port;
}

async function downDetail(url: string, expectChainId?: number): Promise<{ run: Running; reason: string; detail: string }> {
  const run = await startService({ urls: [url], options: expectChainId !== undefined ? { source: { timeoutMs: 2_000, backoff: { initialMs: 100, maxMs: 500 }, expectChainId } } : {} });
  runs.push(run);
  const s = await waitFor('status down', () => run.statuses.find((x) => x.state === 'down'));
  assert.equal(s.state, 'down');
  return { run, reason: s.state === 'down' ? s.reason : '', detail: s.state === 'down' ? s.detail : '' };
}

describe('the service says why the endpoint is down', () => {
  test('ws:// to a plain web server: the handshake refused with its HTTP status', async () => {
    const port = await webServer();
    const { detail, reason } = await downDetail(`ws://127.0.0.1:${port}/v3/${KEY}`);
    assert.equal(reason, 'RpcError');
    assert.equal(detail, 'WebSocket handshake refused: HTTP 404 Not Found (a web server, not a WebSocket JSON-RPC endpoint?)');
  });

  test('http:// to a web server: the HTTP status', async () => {
    const port = await webServer();
    const { detail } = await downDetail(`http://127.0.0.1:${port}/v3/${KEY}`);
    assert.equal(detail, 'HTTP 404 Not Found');
  });

  test('http:// answering a web page with 200: not JSON-RPC, the body never quoted', async () => {
    const port = await webServer(200);
    const { detail } = await downDetail(`http://127.0.0.1:${port}/v3/${KEY}`);
    assert.equal(detail, 'not JSON-RPC: the answer is not JSON (text/html)');
  });

  test('http:// answering JSON that is not JSON-RPC', async () => {
    const port = await webServer(200, 'application/json', () => '{"status":"ok"}');
    const { detail, reason } = await downDetail(`http://127.0.0.1:${port}/v3/${KEY}`);
    assert.equal(reason, 'RpcError');
    assert.equal(detail, 'not JSON-RPC: the answer has neither "result" nor "error"');
  });

  test('ws:// to a WebSocket server that does not speak JSON', async () => {
    const port = await textWsServer();
    const { detail } = await downDetail(`ws://127.0.0.1:${port}/v3/${KEY}`);
    assert.equal(detail, 'not JSON-RPC: the endpoint sent a message that is not JSON');
  });

  test('wss:// to a plain server: a TLS error', async () => {
    const port = await webServer();
    const { detail, reason } = await downDetail(`wss://127.0.0.1:${port}/v3/${KEY}`);
    assert.equal(reason, 'ConnectionLost');
    assert.equal(detail, 'TLS error: the endpoint does not speak TLS (an http or ws URL instead?)');
  });

  test('nothing listening: connection refused', async () => {
    const port = await webServer();
    await new Promise((r) => servers.pop()!.close(r));
    const { detail, reason } = await downDetail(`ws://127.0.0.1:${port}/v3/${KEY}`);
    assert.equal(reason, 'ConnectionLost');
    assert.equal(detail, 'connection refused (nothing listening at that host and port)');
  });

  for (const kind of ['ws', 'http'] as const) {
    test(`${kind}: anvil on chain 777 when chain 1 is expected: wrong chain id`, async () => {
      const anvil = await startAnvil({ chainId: 777 });
      const { detail, run } = await downDetail(kind === 'ws' ? anvil.wsUrl : anvil.url, 1);
      assert.equal(detail, 'wrong chain id: the node is on chain 777, expected 1');
      assert.equal(run.svc.getStats().head, undefined, 'no block of the wrong chain is processed');
    });
  }

  test('anvil on the expected chain is up', async () => {
    const anvil = await startAnvil({ chainId: 777 });
    const run = await startService({ urls: [anvil.wsUrl], options: { source: { timeoutMs: 2_000, expectChainId: 777 } } });
    runs.push(run);
    await run.head(0);
    assert.deepEqual(run.statuses, []);
  });
});

describe('every face shows the detail, never the key', () => {
  test('/health names the error of the endpoint that is down', async () => {
    const port = await webServer();
    const run = await startService({ urls: [`ws://127.0.0.1:${port}/v3/${KEY}`] });
    runs.push(run);
    const api = await startLiveApi(run.svc, { host: '127.0.0.1', port: 0 });
    try {
      await waitFor('status down', () => run.statuses.some((s) => s.state === 'down'));
      const h = await get(`${api.url}/health`);
      assert.equal(h.status, 503);
      const body = JSON.parse(h.body) as { status: string; endpoints: unknown[] };
      assert.equal(body.status, 'down');
      assert.deepEqual(body.endpoints, [
        { label: `127.0.0.1:${port}`, up: false, head: null, error: 'WebSocket handshake refused: HTTP 404 Not Found (a web server, not a WebSocket JSON-RPC endpoint?)' },
      ]);
      assert.ok(!h.body.includes(KEY));
    } finally {
      await api.close();
    }
  });

  test('the extension: output channel line and the tree’s Connection row', async () => {
    const port = await webServer();
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-down-'));
    dirs.push(dir);
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const config = defaultConfig();
    const run = await MonitorRun.start({ config, urls: [`ws://127.0.0.1:${port}/v3/${KEY}`], logPath: path.join(dir, 'missed_blocks.jsonl'), alerts: false, log, onLive: () => undefined });
    try {
      await waitFor('down', () => run.live.connection === 'down');
      const input: LogInput = {
        view: { file: run.live.logFile, displayName: 'missed_blocks.jsonl', badLines: 0, live: run.live },
        entries: [],
        summary: summarize([], { alertThreshold: 5 }),
      };
      const status = buildTree([input], { alertThreshold: 5, restricted: false })[0]!;
      const conn = status.children!.find((n) => n.label === 'Connection')!;
      assert.equal(conn.description, 'down (RpcError): WebSocket handshake refused: HTTP 404 Not Found (a web server, not a WebSocket JSON-RPC endpoint?)');
      assert.deepEqual(lines, [`127.0.0.1:${port} is down: WebSocket handshake refused: HTTP 404 Not Found (a web server, not a WebSocket JSON-RPC endpoint?) (RpcError); retrying`]);
    } finally {
      await run.stop();
    }
  });

  test('mbm watch prints why on the console; [rpc] chain_id makes a node on another chain down', async () => {
    const port = await webServer();
    const anvil = await startAnvil({ chainId: 777 });
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-down-'));
    dirs.push(dir);
    const cfg = path.join(dir, 'mbm.toml');
    writeFileSync(cfg, `[rpc]\nchain_id = 1\n`);
    const web = spawnMbm(['watch', '--rpc', `ws://127.0.0.1:${port}/v3/${KEY}`, '--log', path.join(dir, 'a.jsonl')], { running: children });
    const chain = spawnMbm(['watch', '--config', cfg, '--rpc', anvil.wsUrl, '--log', path.join(dir, 'b.jsonl')], { running: children });
    await waitFor('web down line', () => web.stderr().includes('is down'), { timeoutMs: 20_000 });
    await waitFor('chain down line', () => chain.stderr().includes('is down'), { timeoutMs: 20_000 });
    assert.match(web.stderr(), new RegExp(`-- 127\\.0\\.0\\.1:${port} is down: WebSocket handshake refused: HTTP 404 Not Found \\(a web server, not a WebSocket JSON-RPC endpoint\\?\\) \\(RpcError\\); retrying`));
    assert.match(chain.stderr(), /is down: wrong chain id: the node is on chain 777, expected 1 \(RpcError\); retrying/);
    web.child.kill('SIGTERM');
    chain.child.kill('SIGTERM');
    assert.equal(await web.exited, 0);
    assert.equal(await chain.exited, 0);
    assert.ok(!web.stderr().includes(KEY) && !web.stdout().includes(KEY), 'the key is never printed');
  });
});
