// Test-side wrapper over src/node/chain/anvil.ts: tracks every node a test file starts so one
// after() hook can stop them all, and adds waits tests need around outages.
import { AnvilNode, anvilBinary, freePort, startAnvil as startCore, type AnvilOptions } from '../../src/node/chain/anvil';
import { waitFor } from './wait';

export { AnvilNode, anvilBinary, freePort, type AnvilOptions };
export type Anvil = AnvilNode;

const started = new Set<AnvilNode>();

/** Start anvil on 127.0.0.1 (free port unless given), detached in its own process group. */
export async function startAnvil(opts: AnvilOptions = {}): Promise<AnvilNode> {
  const node = await startCore(opts);
  started.add(node);
  return node;
}

/** For after(): stop every node this test file started. */
export async function stopAllAnvils(): Promise<void> {
  await Promise.all([...started].map((n) => n.stop()));
  started.clear();
}

/**
 * With `persist: true`: wait until anvil's periodic state dump holds block `head`, so a kill -9
 * right after does not roll the chain back (which would look like a reorg, not an outage).
 */
export function waitPersisted(node: AnvilNode, head: number, timeoutMs = 5_000): Promise<number> {
  return waitFor(() => {
    const h = node.persistedHead();
    return h !== undefined && h >= head ? h : undefined;
  }, { timeoutMs, intervalMs: 50, what: `anvil state dump to reach block ${head}` });
}
