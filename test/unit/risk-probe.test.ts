import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EndpointProbe } from '../../src/node/risk/probe';
import { probeTimeoutMs } from '../../src/node/risk/riskWatcher';
import { ClassifiedError, RpcResponseError } from '../../src/node/chain/errors';
import type { RpcTransport } from '../../src/node/chain/rpc';

/** A transport whose calls wait until the test settles them, by method. */
function heldTransport() {
  const calls: string[] = [];
  const pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const rpc: RpcTransport = {
    call: <T>(method: string) =>
      new Promise<T>((resolve, reject) => {
        calls.push(method);
        pending.set(method, { resolve: resolve as (v: unknown) => void, reject });
      }),
    batch: async () => [],
    close: async () => undefined,
  };
  return { rpc, calls, pending };
}

test('probe timeout: half a slot, at least 250 ms', () => {
  assert.equal(probeTimeoutMs(12), 6000);
  assert.equal(probeTimeoutMs(1), 500);
  assert.equal(probeTimeoutMs(0.2), 250);
});

test('probe: the optional methods go out with eth_blockNumber, not after it; their answers are read', async () => {
  const t = heldTransport();
  let clock = 1000;
  const probe = new EndpointProbe(t.rpc, () => clock);
  const round = probe.probe();
  await new Promise((r) => setImmediate(r));
  // All four are in flight while eth_blockNumber has not answered yet.
  assert.deepEqual([...t.calls].sort(), ['eth_blockNumber', 'eth_syncing', 'net_peerCount', 'txpool_status']);
  t.pending.get('eth_syncing')!.resolve(false);
  t.pending.get('net_peerCount')!.resolve('0x3');
  t.pending.get('txpool_status')!.reject(new RpcResponseError(-32601, 'Method not found'));
  clock = 1120;
  t.pending.get('eth_blockNumber')!.resolve('0x10');
  assert.deepEqual(await round, { latencyMs: 120, head: 16, errors: {}, syncing: false, peers: 3 });
  assert.deepEqual([...probe.unsupported], ['txpool_status']);
});

test('probe: a node that does not answer is one error this round, not one per method', async () => {
  const t = heldTransport();
  let clock = 0;
  const probe = new EndpointProbe(t.rpc, () => clock);
  const round = probe.probe();
  await new Promise((r) => setImmediate(r));
  clock = 500;
  for (const p of t.pending.values()) p.reject(new ClassifiedError('Timeout', 'no answer within 500 ms'));
  assert.deepEqual(await round, { latencyMs: 500, errors: { Timeout: 1 } });
});

test('probe: an optional method that times out while the head answered counts as an error', async () => {
  const t = heldTransport();
  const probe = new EndpointProbe(t.rpc, () => 0);
  const round = probe.probe();
  await new Promise((r) => setImmediate(r));
  t.pending.get('eth_blockNumber')!.resolve('0x2');
  t.pending.get('eth_syncing')!.resolve(false);
  t.pending.get('net_peerCount')!.reject(new ClassifiedError('Timeout', 'no answer within 500 ms'));
  t.pending.get('txpool_status')!.resolve({ pending: '0x0', queued: '0x0' });
  assert.deepEqual(await round, { latencyMs: 0, head: 2, errors: { Timeout: 1 }, syncing: false, txpoolPending: 0 });
});
