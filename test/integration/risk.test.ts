// Early warning against two real anvils mining every second: while both follow the chain the
// risk stays low; when one stops mining it falls behind and is announced at_risk (head lag named
// as the reason) on the service, on /events' ring and in the gauge, and every probe round lands
// in `<log>.features.jsonl`. Anvil answers eth_syncing, net_peerCount and txpool_status.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startAnvil, stopAllAnvils } from '../helpers/anvil';
import { guardProcess } from '../helpers/guard';
import { startService, type Running } from '../helpers/service';
import { waitFor } from '../helpers/wait';
import { FEATURE_NAMES, type RiskUpdate } from '../../src/core/risk';
import { featuresPathFor } from '../../src/node/risk/riskWatcher';
import { liveProvider } from '../../src/node/api/liveProvider';

guardProcess();

let run: Running | undefined;
after(async () => {
  await run?.stop();
  await stopAllAnvils();
});

test('a node that stops following the chain is at risk before its lag is a record; features are logged', async () => {
  const [a, b] = await Promise.all([startAnvil({ blockTime: 1 }), startAnvil({ blockTime: 1 })]);
  run = await startService({ urls: [a.url, b.url], risk: { threshold: 0.7 }, options: { risk: { intervalMs: 250 }, headLag: { thresholdBlocks: 5, intervalMs: 60_000 } } });
  const updates: RiskUpdate[] = [];
  run.svc.on('risk', (u) => updates.push(u));
  const api = liveProvider(run.svc);
  const [aLabel, bLabel] = run.svc.endpoints.map((e) => e.label);

  await waitFor('a few quiet rounds', () => updates.filter((u) => u.source === bLabel).length >= 4 || undefined, { timeoutMs: 15_000 });
  assert.ok(updates.every((u) => u.risk.score < 0.7 && u.transition === undefined), JSON.stringify(updates.map((u) => [u.source, u.risk])));

  await b.setIntervalMining(0);
  await a.mine(3);
  const risky = await waitFor('b at risk', () => updates.find((u) => u.source === bLabel && u.transition === 'at_risk'), { timeoutMs: 15_000 });
  assert.ok(risky.risk.score >= 0.7);
  assert.ok(risky.features.head_lag >= 2, JSON.stringify(risky.features));
  assert.equal(risky.risk.by, 'rules');
  assert.match(risky.risk.reasons[0]!.text, /blocks? behind peers/);
  assert.equal(updates.filter((u) => u.source === aLabel && u.transition === 'at_risk').length, 0, 'the node in step is not at risk');

  // The same crossing on /events, and the gauge.
  const backlog = api.events.since(api.events.nextId - 1000);
  const ev = backlog.events.find((e) => e.type === 'at_risk');
  assert.ok(ev, 'an at_risk event');
  assert.deepEqual(JSON.parse(ev.data).source, bLabel);
  assert.match(await api.metrics.exposition(), new RegExp(`mev_relay_miss_risk\\{source="${bLabel.replace(/[.:]/g, '\\$&')}"\\} 0\\.\\d+`));

  // Anvil offers all three optional methods: none remembered as unsupported, and syncing reads 0.
  const lines = readFileSync(featuresPathFor(run.logPath), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.length >= 10, `${lines.length} lines`);
  for (const l of lines) {
    assert.deepEqual(Object.keys(l.f), [...FEATURE_NAMES]);
    assert.equal(typeof l.t, 'number');
    assert.ok([aLabel, bLabel].includes(l.source));
  }
  assert.ok(lines.every((l) => l.f.syncing === 0));
  assert.ok(lines.some((l) => l.source === bLabel && l.score >= 0.7));
  await api.close();
});
