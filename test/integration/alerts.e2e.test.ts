// End to end: a real anvil and the MonitorService with its own alert wiring (records in through
// observe, head from the monitor, alert_sent written back once delivered). alert_threshold 3: a mining pause makes a streak (the stall record and the overdue
// slots, all for the next block) → the webhook gets exactly one alert; mining resumes and the chain
// moves past the streak → exactly one resolve, with the streak's length.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAnvil, stopAllAnvils } from '../helpers/anvil';
import { HookPeer } from '../helpers/alertPeers';
import { alertsConfig } from '../helpers/alertFixtures';
import { guardProcess } from '../helpers/guard';
import { mineNow, removeDir, startService, type Running } from '../helpers/service';
import { waitFor } from '../helpers/wait';

guardProcess();
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) await c();
  await stopAllAnvils();
});

test('anvil mining pause → one webhook alert; mining resumes → one resolve', async () => {
  const node = await startAnvil();
  const hook = await HookPeer.start('webhook');
  cleanup.push(() => hook.down());
  await mineNow(node, 3);
  // The service's own alert wiring: [alerts] with a webhook channel, evaluated every 100 ms.
  const cfg = alertsConfig({ channels: ['webhook'], webhook_url: hook.url(), retry_base: '50ms' });
  cfg.monitoring.alertThreshold = 3;
  const run: Running = await startService({
    urls: [node.wsUrl],
    monitoring: { alertThreshold: 3, maxBlockDelayMs: 1_500 },
    options: { alerts: { config: cfg, evaluateEveryMs: 100 } },
  });
  cleanup.push(async () => {
    await run.stop();
    removeDir(run.dir);
  });
  await run.head(3);

  // Pause: no block for > max_block_delay, then overdue slots — one streak at block 4.
  const alert = await waitFor('the alert', () => hook.delivered.find((r) => r.json.kind === 'alert'), { timeoutMs: 15_000 });
  assert.equal(alert.json.severity, 'Critical');
  assert.equal(alert.json.source.label, `127.0.0.1:${node.port}`);
  assert.equal(alert.json.source.chain_id, 31337);
  assert.equal(alert.json.streak.from_block, 4);
  assert.equal(alert.json.streak.to_block, 4);
  assert.ok(alert.json.streak.length >= 3);
  assert.match(alert.json.text, /^🚨 ALERT: Critical missed block 4 detected!\n/);
  // Delivery flips alert_sent, and the service writes the records again with it.
  await waitFor('alert_sent written for the streak', () => {
    const streak = run.latest().filter((r) => r.block_number === 4);
    return streak.length >= 3 && streak.every((r) => r.alert_sent);
  });

  // Resume: block 4 arrives late, 5 and 6 on time; head 6 > 4 + 1 ends the streak.
  await mineNow(node, 3);
  await run.head(6);
  const resolve = await waitFor('the resolve', () => hook.delivered.find((r) => r.json.kind === 'resolve'), { timeoutMs: 10_000 });
  const records = run.latest().filter((r) => r.block_number === 4);
  assert.equal(resolve.json.incident, alert.json.incident);
  assert.equal(resolve.json.streak.length, records.length, 'the length counts every record of the streak');
  assert.equal(resolve.json.streak.recovered, 0);
  assert.ok(resolve.json.streak.duration_s >= 2, `duration ${resolve.json.streak.duration_s} s`);
  assert.match(resolve.json.text, new RegExp(`^✅ RESOLVED: missed-block streak at block 4 ended\\nLength: ${records.length} missed\\n`));

  // More normal blocks: nothing more is sent.
  await mineNow(node, 2);
  await run.head(8);
  await run.stop();
  assert.deepEqual(hook.requests.map((r) => `${r.answer} ${r.json.kind}`), ['ok alert', 'ok resolve']);
});
