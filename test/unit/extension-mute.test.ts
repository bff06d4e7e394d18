// The notification's mute buttons say what they mute: "Mute notifications for 1 hour" silences the
// editor's pop-ups only (the alert channels still send), "Mute alerts for 1 hour" also mutes the
// monitor's alert channels through the alert manager's own mute (what `[alerts] mute_until` sets).
// A real AlertManager with its outbox journal and the console channel, no network.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { ACTION_MUTE_ALERTS, ACTION_MUTE_NOTIFICATIONS, applyMute, muteActions, NotificationPolicy, type AlertMuter } from '../../src/extension/model/notifyPolicy';
import { outboxPathFor } from '../../src/node/alerts/outbox';
import { feed, openHarness, rec, removeTempDirs, type Harness } from '../helpers/alertFixtures';

const open: Harness[] = [];
after(async () => {
  for (const h of open) await h.alerts.close();
  removeTempDirs();
});

async function consoleHarness(): Promise<{ h: Harness; muter: AlertMuter }> {
  const h = await openHarness({ alerts: { channels: ['console'] } });
  open.push(h);
  // What MonitorController.muteAlerts → MonitorRun → MonitorService.muteAlerts does with a run.
  return { h, muter: { muteAlerts: (until) => (h.alerts.mute(until), true) } };
}

/** A 3-block Critical streak (threshold 3), head right after it. */
async function streak(h: Harness): Promise<void> {
  feed(h, [101, 102, 103].map((n) => rec(n, { severity: 'Critical', reason: 'ConnectionLost' })), 104);
  await h.alerts.idle();
}

function journalledChannels(h: Harness): string[] {
  const file = outboxPathFor(h.logPath);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { op: string; channels?: string[] }).filter((e) => e.op === 'msg').flatMap((e) => e.channels ?? []);
}

test('the buttons: "Mute alerts for 1 hour" only while this window\'s monitor sends alerts', () => {
  assert.deepEqual(muteActions(false), ['Mute notifications for 1 hour']);
  assert.deepEqual(muteActions(true), ['Mute notifications for 1 hour', 'Mute alerts for 1 hour']);
});

test('"Mute notifications for 1 hour" mutes the pop-ups, and the console channel still gets the alert', async () => {
  const { h, muter } = await consoleHarness();
  const policy = new NotificationPolicy({ minIntervalMs: 0 });
  const said = applyMute(ACTION_MUTE_NOTIFICATIONS, policy, muter, Date.now());
  assert.match(said!, /^notifications muted until .* \(alert channels still send\)$/);
  assert.ok(policy.mutedUntil !== undefined);
  assert.equal(h.alerts.mutedUntil, undefined);
  await streak(h);
  assert.equal(h.console.length, 1, 'the console alert went out');
  assert.deepEqual(journalledChannels(h), ['console']);
});

test('"Mute alerts for 1 hour" mutes the alert channels for the hour (nothing journalled or sent) and the pop-ups', async () => {
  const { h, muter } = await consoleHarness();
  const policy = new NotificationPolicy({ minIntervalMs: 0 });
  const now = Date.now();
  const said = applyMute(ACTION_MUTE_ALERTS, policy, muter, now);
  assert.match(said!, /^alerts \(every channel but the alert file\) and notifications muted until /);
  assert.equal(h.alerts.mutedUntil, now + 3_600_000);
  assert.equal(policy.mutedUntil !== undefined, true);
  await streak(h);
  assert.deepEqual(h.console, []);
  assert.deepEqual(h.delivered, []);
  assert.deepEqual(journalledChannels(h), []);
});

test('"Mute alerts" without a monitor sending alerts says so and mutes the pop-ups only', () => {
  const policy = new NotificationPolicy({ minIntervalMs: 0 });
  assert.match(applyMute(ACTION_MUTE_ALERTS, policy, { muteAlerts: () => false }, 0)!, /no monitor in this window sends alerts$/);
  assert.equal(applyMute('Open Log', policy, undefined, 0), undefined);
});
