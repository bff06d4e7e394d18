// The sustained-risk alert rule (core/risk/riskAlerts.ts) and its one path out: AlertManager's
// observeRisk → mute, throttle, outbox journal, channels. A real AlertManager on a temp dir with
// the console channel and the alert file; no network.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { RiskIncidents, type RiskAlertInput } from '../../src/core/risk/riskAlerts';
import { outboxPathFor } from '../../src/node/alerts/outbox';
import { openHarness, removeTempDirs, type Harness } from '../helpers/alertFixtures';

const T = 1_700_000_000;
const keyOf = (source: string, startedAt: number) => `31337/${source}/risk-${startedAt}`;
const up = (source: string, at: number, above: number, score = 0.8, reasons = ['head 3 blocks behind peers', 'head lag growing']): RiskAlertInput => ({
  source,
  at,
  above,
  risk: { score, reasons: reasons.map((text) => ({ text })) },
});
const never = () => false;

test('a run above the threshold alerts every channel once, on its alert_after_slots-th round, and resolves once when it ends', () => {
  const r = new RiskIncidents({ channels: ['file', 'webhook'], alertAfter: 3, keyOf });
  assert.deepEqual(r.update(up('a:1', T, 1, 0.72), never), []);
  assert.deepEqual(r.update(up('a:1', T + 1, 2, 0.75), never), []);
  const [alert, ...more] = r.update(up('a:1', T + 2, 3, 0.81), never);
  assert.equal(more.length, 0);
  assert.equal(alert!.type, 'alert');
  assert.deepEqual(alert!.channels, ['file', 'webhook']);
  assert.equal(alert!.incident.key, '31337/a:1/risk-1700000000');
  assert.equal(alert!.incident.startedAt, T);
  assert.equal(alert!.incident.rounds, 3);
  assert.deepEqual(alert!.incident.reasons, ['head 3 blocks behind peers', 'head lag growing']);
  // Longer: no repeat, the highest score is kept.
  assert.deepEqual(r.update(up('a:1', T + 3, 4, 0.93), never), []);
  assert.deepEqual(r.update(up('a:1', T + 4, 5, 0.85), never), []);
  const [res] = r.update(up('a:1', T + 5, 0, 0.2), never);
  assert.equal(res!.type, 'resolve');
  assert.deepEqual(res!.channels, ['file', 'webhook']);
  assert.equal(res!.type === 'resolve' && res!.endedAt, T + 5);
  assert.equal(res!.incident.maxScore, 0.93);
  assert.equal(res!.incident.rounds, 5);
  assert.deepEqual(r.update(up('a:1', T + 6, 0, 0.1), never), [], 'resolved once');
  // The next run is a new incident with its own key.
  r.update(up('a:1', T + 20, 1), never);
  r.update(up('a:1', T + 21, 2), never);
  assert.equal(r.update(up('a:1', T + 22, 3), never)[0]!.incident.key, '31337/a:1/risk-1700000020');
});

test('a run shorter than alert_after_slots says nothing, start or end; sources are separate incidents', () => {
  const r = new RiskIncidents({ channels: ['file'], alertAfter: 3, keyOf });
  assert.deepEqual([r.update(up('a:1', T, 1), never), r.update(up('a:1', T + 1, 2), never), r.update(up('a:1', T + 2, 0), never)].flat(), []);
  r.update(up('a:1', T + 10, 1), never);
  r.update(up('b:2', T + 10, 1), never);
  r.update(up('a:1', T + 11, 2), never);
  r.update(up('b:2', T + 11, 2), never);
  const a = r.update(up('a:1', T + 12, 3), never);
  const b = r.update(up('b:2', T + 12, 3), never);
  assert.deepEqual([a[0]!.incident.key, b[0]!.incident.key], ['31337/a:1/risk-1700000010', '31337/b:2/risk-1700000010']);
  assert.deepEqual(r.update(up('b:2', T + 13, 0), never).map((d) => `${d.type} ${d.incident.source}`), ['resolve b:2']);
  assert.deepEqual(r.openIncidents.map((i) => i.source), ['a:1']);
});

test('a muted channel is marked, not told, and gets no resolve; alert_after_slots 1 alerts on the first round', () => {
  const r = new RiskIncidents({ channels: ['file', 'webhook'], alertAfter: 1, keyOf });
  const muted = (c: string) => c === 'webhook';
  const [alert] = r.update(up('a:1', T, 1), muted);
  assert.deepEqual(alert!.channels, ['file']);
  assert.deepEqual(alert!.incident.alerted, { file: 'sent', webhook: 'muted' });
  assert.deepEqual(r.update(up('a:1', T + 1, 0), never)[0]!.channels, ['file']);
});

const open: Harness[] = [];
after(async () => {
  for (const h of open) await h.alerts.close();
  removeTempDirs();
});

test('AlertManager.observeRisk: one alert and one resolve through the console channel, the alert file and the outbox', async () => {
  const h = await openHarness({ alerts: { channels: ['console', 'file'] }, options: { riskAlertAfter: 2, chainId: 31337 } });
  open.push(h);
  h.alerts.observeRisk(up('127.0.0.1:8546', T, 1, 0.71));
  h.alerts.observeRisk(up('127.0.0.1:8546', T + 1, 2, 0.88));
  h.alerts.observeRisk(up('127.0.0.1:8546', T + 2, 3, 0.9));
  await h.alerts.idle();
  assert.equal(h.console.length, 1);
  assert.equal(
    h.console[0]!.split('\n').slice(0, 3).join('\n'),
    '⚠️ AT RISK: missed blocks likely within the next slots\nRisk: 0.88 (at or above the threshold for 2 slots)\nWhy: head 3 blocks behind peers; head lag growing',
  );
  const alert = h.delivered.find((d) => d.channel === 'file')!.msg;
  assert.equal(alert.kind, 'alert');
  assert.equal(alert.severity, 'Medium');
  assert.equal(alert.incident, '31337/127.0.0.1:8546/risk-1700000000');
  assert.deepEqual(alert.source, { label: '127.0.0.1:8546', chain_id: 31337 });
  assert.deepEqual(alert.risk, { score: 0.88, max_score: 0.88, slots: 2, reasons: ['head 3 blocks behind peers', 'head lag growing'], started_at: T });
  assert.equal(alert.title, '⚠️ At risk of missing blocks for 2 slots (risk 0.88): head 3 blocks behind peers — chain 31337 · 127.0.0.1:8546');

  h.alerts.observeRisk(up('127.0.0.1:8546', T + 3, 0, 0.3));
  await h.alerts.idle();
  const resolve = h.delivered.find((d) => d.channel === 'file' && d.msg.kind === 'resolve')!.msg;
  assert.equal(resolve.incident, alert.incident);
  assert.deepEqual(resolve.risk, { score: 0.9, max_score: 0.9, slots: 3, reasons: ['head 3 blocks behind peers', 'head lag growing'], started_at: T, ended_at: T + 3 });
  assert.match(resolve.text, /^✅ RESOLVED: risk of missing blocks back below the threshold\nLasted: 3s\nHighest risk: 0\.9\n/);
  // Both journalled before they were sent; alerts.jsonl holds the two messages.
  const ops = readFileSync(outboxPathFor(h.logPath), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; msg?: { kind: string } });
  assert.deepEqual(ops.filter((o) => o.op === 'msg').map((o) => o.msg!.kind), ['alert', 'resolve']);
  const file = path.join(h.dir, 'alerts.jsonl');
  assert.ok(existsSync(file));
  assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind), ['alert', 'resolve']);
});

test('AlertManager without riskAlertAfter: risk never alerts; muted: the console stays silent, the file still records', async () => {
  const off = await openHarness({ alerts: { channels: ['console'] } });
  open.push(off);
  for (let i = 1; i <= 5; i++) off.alerts.observeRisk(up('127.0.0.1:8546', T + i, i));
  await off.alerts.idle();
  assert.deepEqual(off.console, []);
  assert.equal(existsSync(outboxPathFor(off.logPath)) ? readFileSync(outboxPathFor(off.logPath), 'utf8').includes('"msg"') : false, false);

  const h = await openHarness({ alerts: { channels: ['console', 'file'] }, options: { riskAlertAfter: 1 } });
  open.push(h);
  h.alerts.mute(Date.now() + 60_000);
  h.alerts.observeRisk(up('127.0.0.1:8546', T, 1));
  h.alerts.observeRisk(up('127.0.0.1:8546', T + 1, 0));
  await h.alerts.idle();
  assert.deepEqual(h.console, []);
  assert.deepEqual(h.delivered.map((d) => `${d.channel} ${d.msg.kind}`), ['file alert', 'file resolve']);
});
