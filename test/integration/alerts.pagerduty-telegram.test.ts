// PagerDuty Events v2 and Telegram sendMessage channels against loopback peers that follow the
// public docs' shapes (test/peers/pagerduty.ts, test/peers/telegram.ts): a streak triggers, the
// chain moving on resolves; 429s are retried as told; the secrets never appear in a message.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { guardProcess } from '../helpers/guard';
import { advance, CHAIN, feed, openHarness, rec, removeTempDirs, SOURCE, type Harness } from '../helpers/alertFixtures';
import { PagerDutyPeer } from '../peers/pagerduty';
import { TelegramPeer } from '../peers/telegram';
import { parseAlertSettings } from '../../src/node/alerts';
import { alertsConfig } from '../helpers/alertFixtures';

guardProcess();
const open: Harness[] = [];
const peers: { close(): Promise<void> }[] = [];
after(async () => {
  for (const h of open) await h.alerts.close();
  for (const p of peers) await p.close();
  removeTempDirs();
});

const ROUTING_KEY = 'R0uting0key0for0tests0000000abcd'; // 32 characters, as PagerDuty's are
const BOT_TOKEN = '123456789:AAH-test_token-0123456789abcdef';
const CHAT = '-1001234567890';

async function harness(alerts: Record<string, unknown>): Promise<Harness> {
  const h = await openHarness({ alerts });
  open.push(h);
  return h;
}

async function streakThenResolve(h: Harness): Promise<void> {
  feed(h, [101, 102, 103].map((n) => rec(n, { severity: 'High', reason: 'ConnectionLost' })), 104);
  await h.alerts.idle();
  advance(h, 110);
  await h.alerts.idle();
}

describe('pagerduty', () => {
  test('trigger with dedup_key = incident, severity mapped, then resolve with the same key; a 429 is retried', async () => {
    const peer = new PagerDutyPeer();
    peers.push(peer);
    await peer.start();
    peer.rateLimitNext(1);
    const h = await harness({ channels: ['pagerduty'], pagerduty_routing_key: ROUTING_KEY, pagerduty_url: peer.url });
    await streakThenResolve(h);
    assert.deepEqual(peer.answers, [429, 202, 202]);
    const [trigger, resolve] = peer.events;
    const incident = `${CHAIN}/${SOURCE}/streak-101`;
    assert.equal(trigger.routing_key, ROUTING_KEY);
    assert.equal(trigger.event_action, 'trigger');
    assert.equal(trigger.dedup_key, incident);
    assert.equal(trigger.payload!.severity, 'error', 'High → error');
    assert.equal(trigger.payload!.source, `chain ${CHAIN} · ${SOURCE}`);
    assert.match(trigger.payload!.summary!, /^🚨 High: 3 consecutive missed \(blocks 101-103\)/);
    assert.equal(trigger.payload!.group, `chain ${CHAIN}`);
    assert.deepEqual(resolve, { routing_key: ROUTING_KEY, event_action: 'resolve', dedup_key: incident });
    assert.deepEqual([...peer.incidents], [[incident, 'resolved']]);
    assert.ok(h.retries.length === 1 && !h.retries[0].err.message.includes(ROUTING_KEY));
  });

  test('no routing key: the config error names the key', () => {
    assert.throws(() => parseAlertSettings(alertsConfig({ channels: ['pagerduty'] }).alerts, { alertThreshold: 3, env: {} }), /alerts\.pagerduty_routing_key = undefined: expected the integration \(routing\) key/);
  });
});

describe('telegram', () => {
  test('sendMessage to the chat, plain text with the alert then the resolve; a 429 waits retry_after; the token is never shown', async () => {
    const peer = new TelegramPeer(BOT_TOKEN, CHAT);
    peers.push(peer);
    await peer.start();
    peer.rateLimitNext(1, 1);
    const h = await harness({ channels: ['telegram'], telegram_bot_token: BOT_TOKEN, telegram_chat_id: CHAT, telegram_api_url: peer.url });
    await streakThenResolve(h);
    assert.deepEqual(peer.answers, [429, 200, 200]);
    // retry_after from the 429 body (1 s), plus the queue's jitter of at most 10 % of it.
    assert.ok(h.retries[0].delayMs >= 1_000 && h.retries[0].delayMs <= 1_100, `delay ${h.retries[0].delayMs} ms`);
    assert.match(h.retries[0].err.message, /^telegram http:\/\/127\.0\.0\.1:\d+\/bot\*\*\*: HTTP 429/);
    assert.ok(!h.retries[0].err.message.includes(BOT_TOKEN.split(':')[1]));
    assert.deepEqual(peer.messages.map((m) => m.chat_id), [CHAT, CHAT]);
    assert.equal(peer.messages[0].body.parse_mode, undefined, 'plain text: nothing in a record is markup');
    assert.match(peer.messages[0].text, /^🚨 High: 3 consecutive missed \(blocks 101-103\) — chain 31337 · 127\.0\.0\.1:8545\n\n🚨 ALERT: High missed block 103 detected!\n/);
    assert.match(peer.messages[1].text, /^✅ Resolved: 3 missed \(blocks 101-103\)/);
  });

  test('a malformed token or chat id names the key, never the token', () => {
    assert.throws(
      () => parseAlertSettings(alertsConfig({ channels: ['telegram'], telegram_bot_token: 'nope-secret', telegram_chat_id: CHAT }).alerts, { alertThreshold: 3, env: {} }),
      (e: Error) => /alerts\.telegram_bot_token = "\(not shown\)": expected a bot token/.test(e.message) && !e.message.includes('nope-secret'),
    );
    assert.throws(
      () => parseAlertSettings(alertsConfig({ channels: ['telegram'], telegram_bot_token: BOT_TOKEN, telegram_chat_id: 'my chat' }).alerts, { alertThreshold: 3, env: {} }),
      /alerts\.telegram_chat_id = "my chat": expected a chat id/,
    );
  });
});
