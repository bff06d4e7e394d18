// HeadLagChecker with two real anvils mining every second: when one stops mining it falls behind
// the best head, is reported lagging (NodeUnresponsive), and caught up once it mines again. A dead
// third endpoint is reported as an error and never counts as the best head.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcFetcher } from '../../src/node/chain/fetcher';
import { HeadLagChecker, type HeadLag, type HeadLagRound } from '../../src/node/chain/headLag';
import type { MissedBlockReason } from '../../src/core/model';
import { freePort, startAnvil, stopAllAnvils } from '../helpers/anvil';
import { guardProcess } from '../helpers/guard';
import { nextEvent } from '../helpers/wait';

guardProcess();

let checker: HeadLagChecker | undefined;
after(async () => {
  checker?.stop();
  await stopAllAnvils();
});

test('an endpoint that stops mining is reported lagging, then caught up', async () => {
  const [a, b] = await Promise.all([startAnvil({ blockTime: 1 }), startAnvil({ blockTime: 1 })]);
  const dead = `http://127.0.0.1:${await freePort()}`;
  const fetchers = [
    new RpcFetcher({ label: 'a', url: a.url }),
    new RpcFetcher({ label: 'b', url: b.url }),
    new RpcFetcher({ label: 'dead', url: dead }, { timeoutMs: 1_000 }),
  ];
  checker = new HeadLagChecker(fetchers, { thresholdBlocks: 3, intervalMs: 100 });
  const errors: [string, MissedBlockReason][] = [];
  checker.on('error', (e, reason) => errors.push([e.label, reason]));

  // In step: both mine every second, so they differ by at most one block.
  const first: HeadLagRound = await checker.check();
  assert.deepEqual(first.lagging, []);
  assert.deepEqual([...first.heads.keys()].sort(), ['a', 'b']);
  assert.deepEqual(first.failed.map((f) => [f.endpoint.label, f.error.reason]), [['dead', 'ConnectionLost']]);

  // b stops mining; a races ahead.
  await b.setIntervalMining(0);
  const lagging = nextEvent<[HeadLag]>(checker, 'lagging', { timeoutMs: 10_000 });
  checker.start();
  await a.mine(6);
  const [lag] = await lagging;
  assert.equal(lag.endpoint.label, 'b');
  assert.equal(lag.reason, 'NodeUnresponsive');
  assert.equal(lag.head, await b.blockNumber(), 'b is stuck at its head');
  assert.ok(lag.best >= lag.head + 4 && lag.lag === lag.best - lag.head, JSON.stringify(lag));

  // b catches up to a: reported once as caught up.
  const caughtUp = nextEvent<[{ label: string }, number, number]>(checker, 'caughtUp', { timeoutMs: 10_000 });
  await b.mine((await a.blockNumber()) - (await b.blockNumber()) + 1);
  const [endpoint, head, best] = await caughtUp;
  assert.equal(endpoint.label, 'b');
  assert.ok(best - head <= 3);
  checker.stop();

  assert.ok(errors.length >= 1 && errors.every(([label, reason]) => label === 'dead' && reason === 'ConnectionLost'), JSON.stringify(errors));
});
