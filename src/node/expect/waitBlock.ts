// Wait until the node's head reaches a block number: polled, bounded, abortable.
import { ClassifiedError } from '../chain/errors';
import type { RpcTransport } from '../chain/rpc';
import { abortableSleep } from '../sleep';

export async function waitForBlock(rpc: RpcTransport, n: number, o: { timeoutMs: number; intervalMs: number; signal?: AbortSignal }): Promise<number> {
  const deadline = Date.now() + o.timeoutMs;
  for (;;) {
    const head = Number(BigInt(await rpc.call<string>('eth_blockNumber')));
    if (head >= n) return head;
    if (o.signal?.aborted) throw new ClassifiedError('Timeout', `stopped while waiting for block ${n} (head ${head})`);
    if (Date.now() >= deadline) throw new ClassifiedError('Timeout', `block ${n} not reached within ${Math.round(o.timeoutMs / 1000)} s (head ${head})`);
    await abortableSleep(Math.min(o.intervalMs, Math.max(0, deadline - Date.now())), o.signal);
  }
}
