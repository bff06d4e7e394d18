// WsRpcClient answers every frame it reads with an unsolicited pong, so the TCP ACK for that frame
// leaves at once instead of after the receiver's delayed-ACK timer (≥ 40 ms on Linux), which a
// node without TCP_NODELAY (anvil) waits for before sending its next small frame.
// The peer here is a loopback WebSocket server speaking JSON-RPC's shapes (the `ws` package's
// server): it counts the pongs, which a real node does not report. Against anvil, the same client
// is exercised by test/integration/sources.test.ts and bench/detect.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../src/node/chain/anvil';
import { WsRpcClient } from '../../src/node/chain/wsRpc';
import { waitFor } from '../helpers/wait';

interface ServerSocket {
  on(ev: 'message', l: (data: Buffer) => void): void;
  on(ev: 'pong', l: (data: Buffer) => void): void;
  send(data: string): void;
}
const { WebSocketServer } = require('ws') as {
  WebSocketServer: new (o: { host: string; port: number }) => {
    on(ev: 'connection', l: (ws: ServerSocket) => void): void;
    on(ev: 'listening', l: () => void): void;
    close(): void;
  };
};

test('every frame read (answer or notification) is answered with one empty pong', async () => {
  const port = await freePort();
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  await new Promise<void>((r) => wss.on('listening', r));
  const pongs: number[] = [];
  let server: ServerSocket | undefined;
  wss.on('connection', (ws) => {
    server = ws;
    ws.on('pong', (data) => pongs.push(data.length));
    ws.on('message', (data) => {
      const req = JSON.parse(String(data)) as { id: number };
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, result: '0x10' }));
    });
  });
  const heads: unknown[] = [];
  const c = new WsRpcClient(`ws://127.0.0.1:${port}`, { timeoutMs: 2_000, onNotification: (_sub, r) => heads.push(r) });
  try {
    assert.equal(await c.call('eth_blockNumber'), '0x10');
    await waitFor('the pong for the answer', () => pongs.length === 1);
    for (const n of [17, 18]) server!.send(JSON.stringify({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription: '0xab', result: { number: `0x${n.toString(16)}` } } }));
    await waitFor('both heads', () => heads.length === 2);
    await waitFor('a pong per head', () => pongs.length === 3);
    assert.deepEqual(heads, [{ number: '0x11' }, { number: '0x12' }]);
    assert.deepEqual(pongs, [0, 0, 0]);
    // Still a working connection afterwards.
    assert.equal(await c.call('eth_blockNumber'), '0x10');
  } finally {
    await c.close();
    wss.close();
  }
});
