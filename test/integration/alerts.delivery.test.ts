// Delivery against loopback peers that misbehave: 500s, resets and stalls are retried with backoff
// until the alert lands once; a 429 waits its Retry-After; a 400 is given up without blocking the
// channel; a webhook that is down across a restart gets every alert exactly once, in order; a burst
// is throttled to N messages plus one summary; mute; and no secret in any file or message.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HookPeer, MailPeer } from '../helpers/alertPeers';
import { advance, feed, openHarness, rec, tempDir, type Harness, type HarnessSpec } from '../helpers/alertFixtures';
import { waitFor } from '../helpers/wait';
import { alertRuns } from '../helpers/alertRuns';

const { open, peers } = alertRuns();

async function harness(spec: HarnessSpec): Promise<Harness> {
  const h = await openHarness(spec);
  open.push(h);
  return h;
}

async function peer(flavour: 'webhook' | 'slack' | 'discord'): Promise<HookPeer> {
  const p = await HookPeer.start(flavour);
  peers.push(p);
  return p;
}

/** Incident i: a 3-block streak at 1000·i (threshold 3), head right after it. */
function incident(h: Harness, i: number): void {
  const base = 1000 * i;
  feed(h, [base, base + 1, base + 2].map((n) => rec(n, { severity: 'Critical' })), base + 3);
}

describe('retries', () => {
  test('500, reset and stall are retried with growing backoff; the alert arrives once', async () => {
    const p = await peer('webhook');
    p.failNext('500', 'reset', 'stall');
    const h = await harness({ alerts: { channels: ['webhook'], webhook_url: p.url(), send_timeout: '300ms', retry_base: '50ms' } });
    incident(h, 1);
    await waitFor('the alert after three failures', () => p.delivered.length === 1 || undefined, { timeoutMs: 5_000 });
    await h.alerts.idle();
    assert.deepEqual(p.requests.map((r) => r.answer), ['500', 'reset', 'stall', 'ok']);
    assert.equal(new Set(p.requests.map((r) => r.headers['idempotency-key'])).size, 1, 'every attempt carries the same key');
    assert.deepEqual(h.retries.map((r) => r.attempt), [1, 2, 3]);
    assert.match(h.retries[0].err.message, /HTTP 500/);
    assert.match(h.retries[1].err.message, /ECONNRESET|socket hang up/);
    assert.match(h.retries[2].err.message, /no answer within 300 ms/);
    // Equal jitter: attempt n waits between half and all of base·2^(n-1).
    h.retries.forEach((r, i) => assert.ok(r.delayMs >= 25 * 2 ** i && r.delayMs <= 50 * 2 ** i, `attempt ${i + 1} waited ${r.delayMs} ms`));
    assert.equal(h.delivered.length, 1);
  });

  test('429 honours Retry-After (1 s) before trying again', async () => {
    const p = await peer('discord');
    p.retryAfterSec = 1;
    p.failNext('429');
    const h = await harness({ alerts: { channels: ['discord'], discord_webhook: p.url(), retry_base: '10ms' } });
    incident(h, 1);
    await waitFor('the alert after a 429', () => p.delivered.length === 1 || undefined, { timeoutMs: 5_000 });
    const gap = p.requests[1].at - p.requests[0].at;
    assert.ok(gap >= 1000, `retried after ${gap} ms, before Retry-After`);
    // What it waited is what was asked, plus the spread of core/backoff.ts (at most 10 %, 250 ms).
    const waited = h.retries[0].delayMs;
    assert.ok(waited >= 1000 && waited <= 1100, `waited ${waited} ms for a Retry-After of 1 s`);
  });

  test('a 400 is permanent: given up with a warning, and the next alert still goes', async () => {
    const p = await peer('slack');
    p.failNext('400');
    const h = await harness({ alerts: { channels: ['slack'], slack_webhook: p.url() } });
    incident(h, 1);
    incident(h, 2); // also ends streak 1: its resolve follows
    await h.alerts.idle();
    assert.deepEqual(p.requests.map((r) => `${r.answer} ${[...r.json.text][0]}`), ['400 🚨', 'ok ✅', 'ok 🚨']);
    assert.equal(h.failed.length, 1);
    assert.match(h.failed[0].err.message, /^slack http:\/\/127\.0\.0\.1:\d+\/services\/\*\*\*: HTTP 400 invalid_payload$/);
    assert.ok(h.warnings.some((w) => /giving up/.test(w)));
  });
});

describe('outbox', () => {
  test('webhook down, manager restarted mid-outage, webhook back: every message exactly once, in order', async () => {
    const p = await peer('webhook');
    await p.down();
    const dir = tempDir();
    const spec = (): HarnessSpec => ({ dir, alerts: { channels: ['webhook', 'file'], webhook_url: p.url(), retry_base: '30ms', retry_max: '100ms' } });
    const first = await openHarness(spec());
    incident(first, 1);
    incident(first, 2);
    advance(first, 5000); // both streaks over: two resolves
    incident(first, 6);
    await waitFor('a refused attempt', () => first.retries.length > 0 || undefined);
    await waitFor('the file channel to have all five', () => first.delivered.filter((d) => d.channel === 'file').length === 5 || undefined);
    assert.match(first.retries[0].err.message, /ECONNREFUSED/);
    await first.alerts.close();
    const owed = readFileSync(path.join(dir, 'alerts.outbox.jsonl'), 'utf8');
    assert.equal(owed.split('\n').filter((l) => l.includes('"op":"msg"')).length, 5, 'five messages owed to the webhook');

    const second = await openHarness(spec());
    open.push(second);
    // The open incident (streak 6000) continues after the restart: the same incident, no new alert.
    const continuing = rec(6003, { severity: 'Critical' });
    feed(second, [continuing], 6004);
    // Its alert was delivered (to the file) before the restart: the record is stamped as it passes.
    assert.equal(continuing.alert_sent, true);
    await p.up();
    await waitFor('all five messages', () => p.delivered.length >= 5 || undefined, { timeoutMs: 5_000 });
    await second.alerts.idle();
    const got = p.delivered.map((r) => `${r.json.kind} ${r.json.incident.split('/').pop()}`);
    // Decision order: streak 2000 ends streak 1000, the head at 5000 ends streak 2000.
    assert.deepEqual(got, ['alert streak-1000', 'resolve streak-1000', 'alert streak-2000', 'resolve streak-2000', 'alert streak-6000']);
    assert.equal(new Set(p.delivered.map((r) => r.headers['idempotency-key'])).size, 5);
    // Every alert reached the file before the restart, so there is nothing new to stamp.
    assert.deepEqual(second.stamped, []);
    // The file channel (always up) wrote each message once, before the restart.
    const fileRows = readFileSync(path.join(dir, 'alerts.jsonl'), 'utf8').trim().split('\n');
    assert.equal(fileRows.length, 5);

    // The end of the continuing streak resolves it once, with its whole length.
    advance(second, 7000);
    await second.alerts.idle();
    const last = p.delivered.at(-1)!.json;
    assert.equal(last.kind, 'resolve');
    assert.equal(last.incident.split('/').pop(), 'streak-6000');
    assert.equal(last.streak.length, 4);
    await second.alerts.close();
    open.pop();

    // A third start owes nothing: nothing is sent again.
    const requestsBefore = p.requests.length;
    const third = await openHarness(spec());
    open.push(third);
    await third.alerts.idle();
    assert.equal(p.requests.length, requestsBefore);
    assert.equal(p.delivered.length, 6);
    assert.deepEqual(third.alerts.pending(), { webhook: 0, file: 0 });
  });
});

describe('throttle', () => {
  test('100 incidents in a burst: exactly throttle_max messages, then one summary of the rest', async () => {
    const p = await peer('webhook');
    const h = await harness({ alertThreshold: 1, alerts: { channels: ['webhook'], webhook_url: p.url(), throttle_max: 5, throttle_window: '400ms' } });
    for (let i = 0; i < 100; i++) h.alerts.observe(rec(10 * i + 1, { severity: 'Critical' }), 'new');
    await waitFor('the summary', () => p.delivered.some((r) => r.json.kind === 'summary') || undefined, { timeoutMs: 5_000 });
    await h.alerts.idle();
    const kinds = p.delivered.map((r) => r.json.kind);
    assert.deepEqual(kinds, ['alert', 'alert', 'alert', 'alert', 'alert', 'summary']);
    const s = p.delivered[5].json;
    assert.equal(s.suppressed.count, 95);
    assert.equal(s.suppressed.incident_count, 95);
    assert.equal(s.suppressed.incidents.length, 10);
    assert.match(s.text, /^⚠️ THROTTLED: 95 more alert messages in the last 400 ms were not sent one by one\nAlerts: 95, resolves: 0\nIncidents: .+ \(\+85 more\)/);
    // A later incident in a fresh window goes straight out.
    h.alerts.observe(rec(5000, { severity: 'Critical' }), 'new');
    await waitFor('the next alert', () => p.delivered.length === 7 || undefined);
    await h.alerts.idle();
    assert.equal(p.delivered.length, 7);
  });
});

describe('mute', () => {
  test('mute_until in the future silences the webhook but not the file; mute()/unmute() at runtime', async () => {
    const p = await peer('webhook');
    const h = await harness({ alerts: { channels: ['webhook', 'file'], webhook_url: p.url(), mute_until: new Date(Date.now() + 3_600_000) } });
    assert.ok(h.alerts.mutedUntil);
    incident(h, 1);
    advance(h, 1100);
    await h.alerts.idle();
    assert.equal(p.requests.length, 0, 'muted: neither alert nor resolve');
    assert.equal(readFileSync(path.join(h.dir, 'alerts.jsonl'), 'utf8').trim().split('\n').length, 2, 'the audit file has both');
    h.alerts.unmute();
    incident(h, 2);
    await h.alerts.idle();
    assert.equal(p.delivered.length, 1);
    h.alerts.mute();
    incident(h, 3);
    await h.alerts.idle();
    assert.equal(p.delivered.length, 1);
  });
});

describe('secrets', () => {
  test('webhook tokens and the SMTP password appear in no file, warning, error or message', async () => {
    const hook = await peer('webhook');
    const slack = await peer('slack');
    const discord = await peer('discord');
    const mail = await MailPeer.start({ auth: { user: 'mbm', pass: 'right-password' } });
    peers.push(mail);
    hook.failNext('500');
    slack.failNext('400');
    discord.failNext('reset');
    const TOKENS = { hook: 'hookTok_abcdef123', slack: 'T1/B2/slackTok_abcdef', discord: 'discTok_abcdef456' };
    const PASSWORD = 'Wr0ngPa55word';
    const h = await harness({
      alerts: {
        channels: ['webhook', 'slack', 'discord', 'email', 'file', 'console'],
        webhook_url: hook.url(TOKENS.hook),
        slack_webhook_env: 'SLACK_URL',
        discord_webhook: `${discord.url('${DISCORD_TOKEN}')}`,
        email_address: 'ops@example.com',
        smtp_host: '127.0.0.1',
        smtp_port: mail.port,
        smtp_user: 'mbm',
        smtp_password: '${SMTP_PASSWORD}',
      },
      env: { SLACK_URL: slack.url(TOKENS.slack), DISCORD_TOKEN: TOKENS.discord, SMTP_PASSWORD: PASSWORD },
    });
    incident(h, 1);
    await waitFor('webhook and discord delivered after their failures', () => (hook.delivered.length === 1 && discord.delivered.length === 1) || undefined, { timeoutMs: 5_000 });
    await waitFor('a failed SMTP login', () => h.retries.some((r) => r.channel === 'email') || undefined, { timeoutMs: 5_000 });
    await h.alerts.close();
    open.splice(open.indexOf(h), 1);
    assert.ok(h.failed.some((f) => f.channel === 'slack'));
    assert.ok(h.retries.some((r) => r.channel === 'email' && /EAUTH|535|Invalid/.test(r.err.message)));
    const texts = [
      ...readdirSync(h.dir).map((f) => readFileSync(path.join(h.dir, f), 'utf8')),
      ...h.warnings,
      ...h.failed.map((f) => `${f.err.message} ${f.err.stack}`),
      ...h.retries.map((r) => `${r.err.message} ${r.err.stack}`),
      ...h.console,
      ...hook.requests.map((r) => r.body),
    ];
    assert.ok(readdirSync(h.dir).includes('alerts.outbox.jsonl'));
    for (const secret of [...Object.values(TOKENS), 'slackTok_abcdef', PASSWORD]) {
      for (const t of texts) assert.ok(!t.includes(secret), `secret ${secret} leaked into: ${t.slice(0, 200)}`);
    }
    assert.ok(h.warnings.some((w) => /\/services\/\*\*\*/.test(w)), 'the Slack URL is named, redacted');
  });
});
