// Early warning against two real anvils mining every second: while both follow the chain the
// risk stays low; when one stops mining it falls behind and is announced at_risk (head lag named
// as the reason) on the service, on /events' ring and in the gauge, and every probe round lands
// in `<log>.features.jsonl`. Anvil answers eth_syncing, net_peerCount and txpool_status. With
// `[risk] alert_after_slots`, a risk that stays up alerts through the one alert path (AlertManager)
// to a loopback webhook, and resolves when it clears. The extension's run (MonitorRun) carries the
// riskiest endpoint into the status bar and the tree.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../src/core/config';
import { MonitorRun } from '../../src/extension/monitorRun';
import { statusBarView } from '../../src/extension/model/statusText';
import { summarize } from '../../src/extension/model/summary';
import { buildTree } from '../../src/extension/model/treeModel';
import { startAnvil, stopAllAnvils } from '../helpers/anvil';
import { guardProcess } from '../helpers/guard';
import { latestBlock, startService, type Running } from '../helpers/service';
import { waitFor } from '../helpers/wait';
import { FEATURE_NAMES, type RiskUpdate } from '../../src/core/risk';
import { featuresPathFor } from '../../src/node/risk/riskWatcher';
import { liveProvider } from '../../src/node/api/liveProvider';
import { HookPeer } from '../helpers/alertPeers';
import { alertsConfig } from '../helpers/alertFixtures';

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
  assert.match(risky.risk.reasons[0]!.text, /blocks? (further )?behind peers/);
  assert.equal(updates.filter((u) => u.source === aLabel && u.transition === 'at_risk').length, 0, 'the node in step is not at risk');

  // The same crossing on /events, and the gauge.
  const backlog = api.events.since(api.events.nextId - 1000);
  const ev = backlog.events.find((e) => e.type === 'at_risk');
  assert.ok(ev, 'an at_risk event');
  assert.deepEqual(JSON.parse(ev.data).source, bLabel);
  assert.match(await api.metrics.exposition(), new RegExp(`mev_relay_miss_risk\\{source="${bLabel.replace(/[.:]/g, '\\$&')}"\\} 0\\.\\d+`));

  // Anvil offers all three optional methods: none remembered as unsupported, and syncing reads 0.
  // The features log is appended after the round's update is emitted: wait for b's risky line to land.
  const readLines = () => readFileSync(featuresPathFor(run!.logPath), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: number; source: string; score: number; f: Record<string, number> });
  const lines = await waitFor('b at risk in the features log', () => {
    const ls = readLines();
    return ls.some((l) => l.source === bLabel && l.score >= 0.7) ? ls : undefined;
  }, { timeoutMs: 5_000 });
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

test('risk above the threshold for alert_after_slots rounds alerts once through the webhook, and resolves once when it clears', async () => {
  const [a, b] = await Promise.all([startAnvil({ blockTime: 1 }), startAnvil({ blockTime: 1 })]);
  const hook = await HookPeer.start('webhook');
  const cfg = alertsConfig({ channels: ['webhook'], webhook_url: hook.url(), retry_base: '50ms' });
  const svcRun = await startService({
    urls: [a.url, b.url],
    risk: { threshold: 0.7, alert_after_slots: 3 },
    options: { risk: { intervalMs: 250 }, headLag: { thresholdBlocks: 50, intervalMs: 60_000 }, alerts: { config: cfg, evaluateEveryMs: 100 } },
  });
  const stopAll = async () => {
    await svcRun.stop();
    await hook.down();
  };
  try {
    const updates: RiskUpdate[] = [];
    svcRun.svc.on('risk', (u) => updates.push(u));
    const bLabel = svcRun.svc.endpoints[1]!.label;
    await waitFor('a few quiet rounds', () => updates.filter((u) => u.source === bLabel).length >= 4 || undefined, { timeoutMs: 15_000 });
    assert.equal(hook.requests.length, 0, 'nothing alerts while both follow the chain');

    await b.setIntervalMining(0);
    await a.mine(3);
    const alert = await waitFor('the risk alert', () => hook.delivered.find((r) => r.json.kind === 'alert'), { timeoutMs: 20_000 });
    const sustained = updates.find((u) => u.source === bLabel && u.transition === 'sustained');
    assert.ok(sustained, 'the tracker saw 3 rounds in a row above 0.7');
    assert.equal(alert.json.severity, 'Medium');
    assert.equal(alert.json.source.label, bLabel);
    assert.equal(alert.json.source.chain_id, 31337);
    assert.match(alert.json.incident, new RegExp(`^31337/${bLabel.replace(/[.]/g, '\\.')}/risk-\\d+$`));
    assert.equal(alert.json.risk.slots, 3);
    assert.ok(alert.json.risk.score >= 0.7, JSON.stringify(alert.json.risk));
    assert.match(alert.json.risk.reasons[0], /blocks? (further )?behind peers/);
    assert.match(alert.json.text, /^⚠️ AT RISK: missed blocks likely within the next slots\nRisk: 0\.\d+ \(at or above the threshold for 3 slots\)\nWhy: head (fell )?\d+ blocks? (further )?behind peers/);
    assert.equal(alert.headers['idempotency-key'], alert.json.id);

    // b catches up with a (both mining every second again): the lag is gone and the score falls
    // back below the threshold. Not past a: a would then be the one falling behind.
    const [ha, hb] = await Promise.all([latestBlock(a), latestBlock(b)]);
    await b.mine(Math.max(0, ha.number - hb.number));
    await b.setIntervalMining(1);
    const resolve = await waitFor('the risk resolve', () => hook.delivered.find((r) => r.json.kind === 'resolve'), { timeoutMs: 30_000 });
    assert.equal(resolve.json.incident, alert.json.incident);
    assert.equal(resolve.json.risk.started_at, alert.json.risk.started_at);
    assert.ok(resolve.json.risk.ended_at >= resolve.json.risk.started_at);
    assert.match(resolve.json.text, /^✅ RESOLVED: risk of missing blocks back below the threshold\n/);
    await stopAll();
    assert.deepEqual(hook.requests.map((r) => `${r.answer} ${r.json.kind}`), ['ok alert', 'ok resolve']);
  } finally {
    await stopAll().catch(() => undefined);
  }
});

test('the extension\'s run: the status bar and the tree\'s Status → Risk say "at risk" with the reasons, the output channel the crossing', async () => {
  const [a, b] = await Promise.all([startAnvil({ blockTime: 1 }), startAnvil({ blockTime: 1 })]);
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-risk-ext-'));
  const lines: string[] = [];
  const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
  const config = defaultConfig();
  Object.assign(config.monitoring, { expectedBlockTimeMs: 1000, expectedBlockTimeExplicit: true, maxBlockDelayMs: 60_000 });
  config.other.risk = { threshold: 0.7 };
  const run = await MonitorRun.start({ config, urls: [a.url, b.url], logPath: path.join(dir, 'missed_blocks.jsonl'), alerts: false, log, onLive: () => undefined });
  try {
    const bLabel = `127.0.0.1:${b.port}`;
    await waitFor('a first risk round', () => run.live.risk, { timeoutMs: 15_000 });
    await b.setIntervalMining(0);
    await a.mine(3);
    const risk = await waitFor('b at risk in the live info', () => (run.live.risk?.source === bLabel && run.live.risk.above > 0 ? run.live.risk : undefined), { timeoutMs: 20_000 });
    assert.equal(risk.threshold, 0.7);
    assert.match(risk.reasons[0]!, /blocks? (further )?behind peers/);
    const view = { file: run.live.logFile, displayName: 'missed_blocks.jsonl', badLines: 0, live: { ...run.live, risk } };
    const summary = summarize([], { alertThreshold: 5 });
    const bar = statusBarView({ log: { view, summary }, restricted: false, alertThreshold: 5 });
    assert.match(bar.text, / · at risk$/);
    assert.equal(bar.level, 'warning');
    assert.match(bar.ariaLabel, /at risk of missing blocks \(head (fell )?\d+ blocks? (further )?behind peers\)$/);
    const status = buildTree([{ view, entries: [], summary }], { alertThreshold: 5, restricted: false })[0]!;
    const row = status.children!.find((n) => n.label === 'Risk')!;
    assert.match(row.description!, /^at risk \(0\.\d\d\): head (fell )?\d+ blocks? (further )?behind peers/);
    assert.deepEqual(row.children!.map((n) => n.label), risk.reasons);
    assert.ok(lines.some((l) => l.startsWith(`${bLabel}: at risk of missing blocks (score `)), lines.join('\n'));
  } finally {
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
