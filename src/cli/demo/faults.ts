// The demo's fault script: real faults induced on a real anvil, in a loop, each announced before
// it happens so a newcomer can match what they read to what the monitor then logs. Every step
// is one row of the README's classification table; the comments say which record it should produce.
import type { AnvilNode } from '../../node/chain/anvil';
import { abortableSleep as sleep } from '../../node/sleep';

export interface FaultContext {
  node: AnvilNode;
  /** Seconds between blocks (anvil --block-time, and the monitor's expected_block_time). */
  blockTime: number;
  /** The monitor's max_block_delay in seconds. */
  maxDelay: number;
  signal: AbortSignal;
  /** Announce a fault (printed by the demo command). */
  say: (msg: string) => void;
}

export interface Fault {
  name: string;
  run(ctx: FaultContext): Promise<void>;
}


async function latest(node: AnvilNode): Promise<{ number: number; timestamp: number }> {
  const b = await node.rpc<{ number: string; timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
  return { number: Number(b.number), timestamp: Number(b.timestamp) };
}

export const FAULTS: readonly Fault[] = [
  {
    // Consecutive blocks 3 slots apart → 2 missed_slot records (Unknown).
    name: 'skipped slots',
    async run({ node, blockTime, say }) {
      await node.setIntervalMining(0);
      const head = await latest(node);
      say(`skipping 2 slots: block ${head.number + 1} gets a timestamp 3 slots after block ${head.number}`);
      await node.setNextTimestamp(head.timestamp + 3 * blockTime);
      await node.rpc('evm_mine', []);
      await node.setIntervalMining(blockTime);
    },
  },
  {
    // The last 2 blocks replaced → 2 reorg records (ChainReorg, reorg_depth 2).
    name: 'reorg',
    async run({ node, say }) {
      const head = await latest(node);
      say(`reorg: replacing blocks ${head.number - 1} and ${head.number} with a new branch (depth 2)`);
      await node.reorg(2);
    },
  },
  {
    // No new head for longer than max_block_delay → delayed NetworkLatency (timer), and the slots
    // that passed empty → missed_slot records.
    name: 'mining pause',
    async run({ node, blockTime, maxDelay, signal, say }) {
      const pause = maxDelay + 2 * blockTime;
      say(`pausing mining for ${pause} s (max_block_delay is ${maxDelay} s)`);
      await node.setIntervalMining(0);
      await sleep(pause * 1000, signal);
      if (!signal.aborted) await node.setIntervalMining(blockTime);
    },
  },
  {
    // kill -9 and restart on the same port with the chain kept (anvil --state); 3 blocks arrive
    // before the monitor reconnects → 3 gap records (ConnectionLost), then recovered.
    name: 'outage',
    async run({ node, signal, say }) {
      await node.setIntervalMining(0);
      const head = await latest(node);
      // Wait (bounded) until anvil's state dump holds the head, so the restart keeps the chain.
      const until = Date.now() + 5_000;
      while ((node.persistedHead() ?? -1) < head.number && Date.now() < until && !signal.aborted) await sleep(100, signal);
      say(`outage: kill -9 of the node at block ${head.number}, restart, 3 blocks mined before the monitor reconnects`);
      await node.kill('SIGKILL');
      if (signal.aborted) return;
      await node.start();
      // --block-time resumes interval mining on start; the burst is what the monitor missed.
      await node.mine(3);
    },
  },
];

/** Run the faults in order, `gapMs` of normal mining before each, until `signal` aborts. */
export async function runFaultLoop(ctx: FaultContext, gapMs = 8_000): Promise<void> {
  for (let round = 1; !ctx.signal.aborted; round++) {
    for (const f of FAULTS) {
      await sleep(gapMs, ctx.signal);
      if (ctx.signal.aborted) return;
      try {
        await f.run(ctx);
      } catch (err) {
        // The node may be restarting or gone (Ctrl-C): the demo goes on with the next fault.
        if (!ctx.signal.aborted) ctx.say(`fault '${f.name}' failed: ${(err as Error).message}`);
      }
    }
  }
}
