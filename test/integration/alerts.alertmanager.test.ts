// The alertmanager channel against Debian's prometheus-alertmanager on loopback: a mining pause on
// a real anvil makes a streak → the alert is active in Alertmanager's API with our labels; the same
// alert sent again after the monitor stopped (a resend a crash would cause) is still one alert; a
// restarted monitor on the same log sees the chain move on → the alert is resolved there.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AlertmanagerChannel } from '../../src/node/alerts/channels/alertmanager';
import type { AlertMessage } from '../../src/node/alerts/message';
import { startAnvil, stopAllAnvils } from '../helpers/anvil';
import { alertsConfig } from '../helpers/alertFixtures';
import { startAlertmanager, stopAllAlertmanagers } from '../helpers/alertmanager';
import { guardProcess } from '../helpers/guard';
import { mineNow, removeDir, startService, type Running } from '../helpers/service';
import { waitFor } from '../helpers/wait';

guardProcess();
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
  await stopAllAnvils();
  await stopAllAlertmanagers();
});

test('streak → active in Alertmanager with our labels; resent after a stop: still one; restarted monitor resolves it', { timeout: 90_000 }, async () => {
  const am = await startAlertmanager();
  const node = await startAnvil();
  await mineNow(node, 3);
  const cfg = alertsConfig({ channels: ['alertmanager', 'file'], alertmanager_url: am.url, retry_base: '50ms' });
  cfg.monitoring.alertThreshold = 3;
  const spec = {
    urls: [node.wsUrl],
    monitoring: { alertThreshold: 3, maxBlockDelayMs: 1_500 },
    options: { alerts: { config: cfg, evaluateEveryMs: 100 } },
  };
  const run1: Running = await startService(spec);
  const dir = run1.dir;
  cleanup.push(async () => removeDir(dir));
  await run1.head(3);

  // Pause: the streak at block 4 reaches the threshold.
  const active = await waitFor(async () => (await am.alerts()).find((a) => a.labels.alertname === 'MissedBlocks'), { what: `the alert in Alertmanager (${am.log()})`, timeoutMs: 20_000 });
  const source = `127.0.0.1:${node.port}`;
  assert.deepEqual(active.labels, { alertname: 'MissedBlocks', severity: 'critical', source, chain_id: '31337', incident: `31337/${source}/streak-4` });
  assert.equal(active.annotations.from_block, '4');
  assert.match(active.annotations.description, /^🚨 ALERT: Critical missed block 4 detected!\n/);
  assert.match(active.annotations.summary, /^🚨 Critical: /);
  await waitFor(async () => (await am.alerts()).find((a) => a.status.state === 'active'), { what: 'the alert processed (state active)' });
  await run1.stop();

  // The message as the file channel recorded it, sent again by a fresh channel (what a crash
  // between delivery and the outbox's note would cause): Alertmanager keeps one alert.
  const sent = readFileSync(path.join(dir, 'alerts.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as AlertMessage);
  assert.deepEqual(sent.map((m) => m.kind), ['alert']);
  await new AlertmanagerChannel(am.url, 2_000).send(sent[0], new AbortController().signal);
  const after = await am.alerts();
  assert.equal(after.length, 1, JSON.stringify(after));
  assert.equal(after[0].fingerprint, active.fingerprint);
  assert.equal(after[0].startsAt, active.startsAt);

  // A new monitor on the same log: the chain moves past block 4 → the incident is resolved.
  const run2 = await startService({ ...spec, dir });
  cleanup.push(() => run2.stop());
  await mineNow(node, 4);
  await waitFor(async () => (await am.alerts()).length === 0, { what: `the alert resolved (${run2.warnings.join(' | ')})`, timeoutMs: 20_000 });
  await run2.stop();
  const kinds = readFileSync(path.join(dir, 'alerts.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as AlertMessage).kind);
  assert.deepEqual(kinds, ['alert', 'resolve'], 'one alert and one resolve in all, across the restart');
});
