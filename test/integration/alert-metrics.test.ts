// The alert metrics of a live `mbm watch --listen`, scraped over HTTP the way Prometheus does:
// one alert delivered (the webhook peer stalls the first attempt, so the outbox holds it for a
// while, then it is retried and answered), one given up (the Slack peer answers 400). The peers are
// the loopback webhook servers of test/helpers/alertPeers.ts; the node is a real anvil; the
// exposition is checked with promtool.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startAnvil, stopAllAnvils } from '../helpers/anvil';
import { HookPeer } from '../helpers/alertPeers';
import { spawnMbm } from '../helpers/cli';
import { get, parseExposition, promtoolCheck } from '../helpers/http';
import { latestBlock, mineAt, removeDir } from '../helpers/service';
import { waitFor } from '../helpers/wait';

const dirs: string[] = [];
const children = new Set<ChildProcess>();
const peers: HookPeer[] = [];
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(peers.map((p) => p.down()));
  for (const d of dirs) removeDir(d);
  await stopAllAnvils();
});

describe('alert metrics of a live monitor', () => {
  test('sent, failed and outbox depth move with real deliveries; promtool accepts the exposition', async () => {
    const node = await startAnvil();
    const hook = await HookPeer.start('webhook');
    const slack = await HookPeer.start('slack');
    peers.push(hook, slack);
    hook.failNext('stall');
    slack.failNext('400');
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-alertm-'));
    dirs.push(dir);
    const config = path.join(dir, 'mbm.toml');
    writeFileSync(
      config,
      [
        '[monitoring]', 'expected_block_time = 1', 'max_block_delay = 60', 'alert_threshold = 1',
        '[logging]', 'batch_logging = false', 'enable_console_logging = false',
        '[alerts]', 'channels = ["webhook", "slack"]', 'webhook_url_env = "MBM_TEST_HOOK"', 'slack_webhook_env = "MBM_TEST_SLACK"',
        'send_timeout = "1500ms"', 'retry_base = "100ms"', 'retry_max = "200ms"', '',
      ].join('\n'),
    );
    const port = await freePort();
    const cli = spawnMbm(['watch', '--rpc', node.wsUrl, '--config', config, '--log', path.join(dir, 'missed_blocks.jsonl'), '--listen', `127.0.0.1:${port}`], {
      running: children,
      env: { ...process.env, NO_COLOR: '1', MBM_TEST_HOOK: hook.url(), MBM_TEST_SLACK: slack.url() },
    });
    const scrape = async () => parseExposition((await get(`http://127.0.0.1:${port}/metrics`)).body);
    await waitFor('the API', async () => (await get(`http://127.0.0.1:${port}/health`).catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 20_000 });
    await waitFor('block 0 seen', async () => (await scrape()).get('mev_relay_head_block{source="' + new URL(node.wsUrl).host + '"}') === 0);

    // Before any alert: every channel's series exists at 0, nothing owed.
    let m = await scrape();
    assert.equal(m.get('mev_relay_alerts_sent_total{channel="webhook"}'), 0);
    assert.equal(m.get('mev_relay_alerts_failed_total{channel="slack"}'), 0);
    assert.equal(m.get('mev_relay_alert_outbox_depth'), 0);

    // One empty slot: a missed_slot record, a streak of 1 = alert_threshold → one alert per channel.
    const t = (await latestBlock(node)).timestamp;
    await mineAt(node, t + 2);
    await waitFor('slack answered 400', () => slack.requests.length === 1);
    await waitFor('the webhook stalled', () => hook.requests.length === 1);
    // The peer has the request before mbm has its answer: wait for the give-up to be counted.
    await waitFor('the 400 counted as failed', async () => (await scrape()).get('mev_relay_alerts_failed_total{channel="slack"}') === 1);
    m = await scrape();
    assert.equal(m.get('mev_relay_alerts_failed_total{channel="slack"}'), 1, 'a 400 is given up at once');
    assert.equal(m.get('mev_relay_alerts_sent_total{channel="slack"}'), 0);
    assert.equal(m.get('mev_relay_alert_outbox_depth'), 1, 'the stalled webhook delivery is still owed');
    assert.equal(m.get('mev_relay_alerts_sent_total{channel="webhook"}'), 0);

    // The send timeout ends the stalled attempt; the retry is answered.
    await waitFor('webhook delivered', () => hook.delivered.length === 1, { timeoutMs: 10_000 });
    m = await waitFor('sent counted', async () => {
      const s = await scrape();
      return s.get('mev_relay_alerts_sent_total{channel="webhook"}') === 1 ? s : undefined;
    });
    assert.equal(m.get('mev_relay_alerts_failed_total{channel="webhook"}'), 0);
    assert.equal(m.get('mev_relay_alerts_failed_total{channel="slack"}'), 1);
    assert.equal(m.get('mev_relay_alert_outbox_depth'), 0);
    const text = (await get(`http://127.0.0.1:${port}/metrics`)).body;
    const check = await promtoolCheck(text);
    assert.equal(check.code, 0, check.output);
    assert.ok(!text.includes('s3cr3tT0k3nXYZ'), 'no webhook token in the metrics');

    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited, 0, cli.stderr());
  });
});
