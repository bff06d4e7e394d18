// Each alert channel against a real loopback peer: a generic webhook, Slack (200 `ok`), Discord
// (204), smtp-server receiving nodemailer's mail (plain+login, implicit TLS, a 451 retried), the
// console stream and alerts.jsonl. Asserts the payload shapes, headers and idempotency keys.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HookPeer, MailPeer } from '../helpers/alertPeers';
import { advance, CHAIN, feed, openHarness, rec, SOURCE, type Harness } from '../helpers/alertFixtures';
import { waitFor } from '../helpers/wait';
import { alertRuns } from '../helpers/alertRuns';

const { open, peers } = alertRuns();

async function harness(alerts: Record<string, unknown>, env?: NodeJS.ProcessEnv): Promise<Harness> {
  const h = await openHarness({ alerts, env });
  open.push(h);
  return h;
}

/** A streak 101-103 (threshold 3) with the head at 104, then the chain moves on to 110. */
async function streakThenResolve(h: Harness): Promise<void> {
  feed(h, [101, 102, 103].map((n) => rec(n, { severity: 'Critical', reason: 'ConnectionLost' })), 104);
  await h.alerts.idle();
  advance(h, 110);
  await h.alerts.idle();
}

describe('webhook', () => {
  test('one JSON POST per event, idempotency key in body and header, the relay text inside', async () => {
    const peer = await HookPeer.start('webhook');
    peers.push(peer);
    const h = await harness({ channels: ['webhook'], webhook_url: peer.url() });
    await streakThenResolve(h);
    assert.equal(peer.requests.length, 2);
    const [alert, resolve] = peer.requests.map((r) => r.json);
    assert.equal(peer.requests[0].headers['content-type'], 'application/json');
    assert.equal(peer.requests[0].headers['idempotency-key'], alert.idempotency_key);
    assert.equal(peer.requests[1].headers['idempotency-key'], resolve.idempotency_key);
    assert.notEqual(alert.idempotency_key, resolve.idempotency_key);
    assert.equal(alert.id, alert.idempotency_key);
    assert.equal(alert.kind, 'alert');
    assert.equal(alert.incident, `${CHAIN}/${SOURCE}/streak-101`);
    assert.deepEqual(alert.source, { label: SOURCE, chain_id: CHAIN });
    assert.equal(alert.severity, 'Critical');
    assert.deepEqual(alert.text.split('\n').slice(0, 2), ['🚨 ALERT: Critical missed block 103 detected!', 'Reason: ConnectionLost']);
    assert.match(alert.text, /\nStreak: 3 consecutive missed \(blocks 101-103\)\nSource: chain 31337 · 127\.0\.0\.1:8545$/);
    assert.deepEqual(alert.record_keys, ['101:gap', '102:gap', '103:gap']);
    assert.equal(resolve.kind, 'resolve');
    assert.equal(resolve.incident, alert.incident);
    assert.equal(resolve.streak.length, 3);
    assert.equal(resolve.streak.recovered, 0);
    assert.equal(resolve.streak.from_block, 101);
    assert.equal(resolve.streak.to_block, 103);
    assert.equal(typeof resolve.streak.duration_s, 'number');
    assert.match(resolve.text, /^✅ RESOLVED: missed-block streak at blocks 101-103 ended\nLength: 3 missed\nDuration: .+\nRecovered: 0 of 3\n/);
    assert.deepEqual(h.stamped.map((r) => [r.block_number, r.alert_sent]), [[101, true], [102, true], [103, true]]);
  });
});

describe('slack', () => {
  test('incoming-webhook payload: text + header/section/context blocks; Slack answers ok', async () => {
    const peer = await HookPeer.start('slack');
    peers.push(peer);
    const h = await harness({ channels: ['slack'], slack_webhook: peer.url() });
    await streakThenResolve(h);
    assert.deepEqual(peer.delivered.length, 2);
    const body = peer.requests[0].json;
    assert.deepEqual(Object.keys(body), ['text', 'blocks']);
    assert.match(body.text, /^🚨 Critical: 3 consecutive missed \(blocks 101-103\) — chain 31337 · 127\.0\.0\.1:8545$/);
    assert.deepEqual(body.blocks.map((b: { type: string }) => b.type), ['header', 'section', 'context']);
    assert.equal(body.blocks[0].text.type, 'plain_text');
    assert.ok(body.blocks[0].text.text.length <= 150);
    assert.match(body.blocks[1].text.text, /^```🚨 ALERT: Critical missed block 103 detected!\nReason: ConnectionLost\n/);
    const key = peer.requests[0].headers['idempotency-key'] as string;
    assert.match(key, /^mbm-[0-9a-f]{32}$/);
    assert.ok(body.blocks[2].elements[0].text.includes(key), 'the key is in the body too');
    assert.match(peer.requests[1].json.text, /^✅ Resolved: 3 missed \(blocks 101-103\)/);
  });
});

describe('discord', () => {
  test('one embed coloured by severity, resolve green, no mentions; Discord answers 204', async () => {
    const peer = await HookPeer.start('discord');
    peers.push(peer);
    const h = await harness({ channels: ['discord'], discord_webhook: peer.url() });
    await streakThenResolve(h);
    assert.equal(peer.delivered.length, 2);
    const [a, r] = peer.requests.map((x) => x.json);
    assert.deepEqual(a.allowed_mentions, { parse: [] });
    assert.equal(a.embeds.length, 1);
    assert.equal(a.embeds[0].color, 0xe74c3c, 'Critical is red');
    assert.equal(r.embeds[0].color, 0x2ecc71, 'resolved is green');
    assert.deepEqual(a.embeds[0].fields.map((f: { name: string }) => f.name), ['Source', 'Severity', 'Blocks', 'Missed', 'Recovered']);
    assert.equal(a.embeds[0].fields[2].value, '101-103');
    const key = peer.requests[0].headers['idempotency-key'] as string;
    assert.ok(a.embeds[0].footer.text.endsWith(key));
    assert.ok(!Number.isNaN(Date.parse(a.embeds[0].timestamp)));
  });

  test('a High record alerts a channel whose min_severity is High (orange), before any streak', async () => {
    const peer = await HookPeer.start('discord');
    peers.push(peer);
    const h = await harness({ channels: ['discord'], discord_webhook: peer.url(), discord: { min_severity: 'High' } });
    feed(h, [rec(500, { kind: 'missed_slot', slot: 9, severity: 'High' })], 500);
    await h.alerts.idle();
    assert.equal(peer.requests.length, 1);
    assert.equal(peer.requests[0].json.embeds[0].color, 0xe67e22);
    assert.match(peer.requests[0].json.embeds[0].title, /^🚨 High: missed_slot Unknown at block 500/);
  });
});

describe('console and file', () => {
  test("console prints the relay's emoji format; the file channel writes alerts.jsonl beside the log", async () => {
    const h = await harness({ channels: ['console', 'file'] });
    await streakThenResolve(h);
    assert.equal(h.console.length, 2);
    const lines = h.console[0].trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 3), ['🚨 ALERT: Critical missed block 103 detected!', 'Reason: ConnectionLost', 'Severity: Critical']);
    assert.match(lines[3], /^Expected: \d+$/);
    assert.match(lines[4], /^Actual: \d+$/);
    assert.match(lines[5], /^Time: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    assert.match(h.console[1], /^✅ RESOLVED/);
    const file = path.join(h.dir, 'alerts.jsonl');
    const rows = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((r) => r.kind), ['alert', 'resolve']);
    assert.ok(rows.every((r) => /^mbm-/.test(r.idempotency_key) && r.source.label === SOURCE));
  });
});

describe('email (smtp-server on 127.0.0.1)', () => {
  test('plain SMTP with login: subject, body, recipients, Message-ID from the idempotency key', async () => {
    const mail = await MailPeer.start({ auth: { user: 'mbm', pass: 's3cretPass!' } });
    peers.push(mail);
    const h = await harness(
      {
        channels: ['email'],
        email_address: 'ops@example.com, oncall@example.com',
        email_from: 'Monitor <mbm@example.com>',
        smtp_host: '127.0.0.1',
        smtp_port: mail.port,
        smtp_user: 'mbm',
        smtp_password_env: 'SMTP_PW',
      },
      { SMTP_PW: 's3cretPass!' },
    );
    await streakThenResolve(h);
    assert.equal(mail.mails.length, 2);
    const [m, r] = mail.mails;
    assert.deepEqual(m.to, ['ops@example.com', 'oncall@example.com']);
    assert.equal(m.from, 'mbm@example.com');
    assert.equal(m.user, 'mbm');
    assert.equal(m.subject, '🚨 Critical: 3 consecutive missed (blocks 101-103) — chain 31337 · 127.0.0.1:8545');
    assert.match(m.text, /^🚨 ALERT: Critical missed block 103 detected!\nReason: ConnectionLost\nSeverity: Critical\n/);
    assert.match(m.text, /\nIncident: 31337\/127\.0\.0\.1:8545\/streak-101\nId: mbm-[0-9a-f]{32}$/);
    const id = /Id: (mbm-[0-9a-f]{32})$/.exec(m.text)![1];
    assert.equal(m.headers['message-id'], `<${id}@missed-block-monitor>`);
    assert.equal(m.headers['x-idempotency-key'], id);
    assert.match(r.subject, /^✅ Resolved: 3 missed \(blocks 101-103\)/);
    assert.match(r.text, /Recovered: 0 of 3/);
  });

  test('implicit TLS (smtp_secure) against a self-signed server when verification is off', async () => {
    const mail = await MailPeer.start({ secure: true });
    peers.push(mail);
    const h = await harness({
      channels: ['email'],
      email_address: 'ops@example.com',
      smtp_host: '127.0.0.1',
      smtp_port: mail.port,
      smtp_secure: true,
      smtp_reject_unauthorized: false,
    });
    feed(h, [101, 102, 103].map((n) => rec(n, { severity: 'Critical' })), 104);
    await h.alerts.idle();
    assert.equal(mail.mails.length, 1);
    assert.equal(h.failed.length, 0);
  });

  test('a 451 (try later) is retried; the mail arrives once', async () => {
    const mail = await MailPeer.start({ rejectFirst: 2 });
    peers.push(mail);
    const h = await harness({ channels: ['email'], email_address: 'ops@example.com', smtp_host: '127.0.0.1', smtp_port: mail.port });
    feed(h, [101, 102, 103].map((n) => rec(n, { severity: 'Critical' })), 104);
    await waitFor('the mail after two 451s', () => mail.mails.length === 1 || undefined);
    await h.alerts.idle();
    assert.equal(mail.mails.length, 1);
    assert.deepEqual(h.retries.map((r) => [r.channel, r.attempt]), [['email', 1], ['email', 2]]);
    assert.match(h.retries[0].err.message, /451/);
  });
});
