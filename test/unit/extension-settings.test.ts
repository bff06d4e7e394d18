import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAlertSettings } from '../../src/node/alerts';
import { DEFAULT_LOGGING, DEFAULT_MONITORING } from '../../src/core/config';
import { monitorConfigFrom, sanitizeSettings, SETTING_DEFAULTS, type SettingKey } from '../../src/extension/model/settings';

const pkg = JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8'));
const contributed: Record<string, { default: unknown }> = pkg.contributes.configuration.properties;

const from = (values: Partial<Record<SettingKey, unknown>>) => sanitizeSettings((k) => values[k]);

test('every setting package.json contributes has the same default here, and no more or fewer', () => {
  const keys = Object.keys(contributed).map((k) => k.replace(/^missedBlocks\./, '')).sort();
  assert.deepEqual(keys, Object.keys(SETTING_DEFAULTS).sort());
  for (const [k, v] of Object.entries(SETTING_DEFAULTS)) assert.deepEqual(contributed[`missedBlocks.${k}`].default, v, k);
});

test('every setting has a scope and a markdownDescription', () => {
  for (const [k, p] of Object.entries(contributed) as [string, { scope?: string; markdownDescription?: string }][]) {
    assert.ok(p.scope, `${k} scope`);
    assert.ok(p.markdownDescription && p.markdownDescription.length > 20, `${k} markdownDescription`);
  }
});

test('defaults give the relay\'s monitor config, except the editor\'s 1 s batch timeout', () => {
  const { settings, warnings } = from({});
  assert.deepEqual(warnings, []);
  const cfg = monitorConfigFrom(settings, '/ws/logs/missed_blocks.jsonl', {});
  assert.deepEqual(cfg.monitoring, { ...DEFAULT_MONITORING });
  assert.deepEqual(cfg.logging, { ...DEFAULT_LOGGING, logFilePath: '/ws/logs/missed_blocks.jsonl', batchTimeoutMs: 1000 });
  assert.deepEqual(cfg.alerts.channels, ['console']);
});

test('a wrong type or range becomes the default plus a warning naming the setting', () => {
  const { settings, warnings } = from({ expectedBlockTime: 'fast', alertThreshold: 0, batchSize: 2.5, enableRecovery: 'yes', logRotationSize: 'huge', 'notifications.minSeverity': 'Severe' });
  assert.equal(settings.monitoring.expectedBlockTime, 12);
  assert.equal(settings.monitoring.alertThreshold, 5);
  assert.equal(settings.logging.batchSize, 100);
  assert.equal(settings.monitoring.enableRecovery, true);
  assert.equal(settings.logging.logRotationSize, 10 * 1024 * 1024);
  assert.equal(settings.notifications.minSeverity, 'Critical');
  assert.equal(warnings.length, 6);
  assert.ok(warnings.includes('missedBlocks.expectedBlockTime = "fast" is not a number > 0; using 12'), warnings.join('\n'));
});

test('sizes and durations convert to the core\'s units', () => {
  const { settings } = from({ logRotationSize: '512KB', expectedBlockTime: 2, maxBlockDelay: 4.5, retryDelay: 0.25 });
  const cfg = monitorConfigFrom(settings, '/l.jsonl', {});
  assert.equal(cfg.logging.logRotationSize, 512 * 1024);
  assert.equal(cfg.monitoring.expectedBlockTimeMs, 2000);
  assert.equal(cfg.monitoring.maxBlockDelayMs, 4500);
  assert.equal(cfg.monitoring.retryDelayMs, 250);
});

test('a bad RPC URL is skipped with a warning that never repeats the URL (it may hold an API key)', () => {
  const { settings, warnings } = from({ rpcUrls: ['http://127.0.0.1:8545', 'ftp://host/key-SECRET123', 42] });
  assert.deepEqual(settings.rpcUrls, ['http://127.0.0.1:8545']);
  assert.equal(warnings.length, 2);
  for (const w of warnings) assert.ok(!w.includes('SECRET123'), w);
});

test('alert channels: unknown names dropped, duplicates removed, case ignored', () => {
  const { settings, warnings } = from({ alertChannels: ['Slack', 'slack', 'pager'] });
  assert.deepEqual(settings.alertChannels, ['slack']);
  assert.equal(warnings.length, 1);
});

test('secrets from SecretStorage complete the alert config the core validates', () => {
  const { settings } = from({ alertChannels: ['slack', 'email'], 'alerts.smtpHost': 'mail.example.com', 'alerts.smtpUser': 'mbm', 'alerts.emailAddress': 'ops@example.com' });
  const cfg = monitorConfigFrom(settings, '/l.jsonl', { slackWebhook: 'https://hooks.slack.com/services/T/B/x', smtpPassword: 'pw' });
  const parsed = parseAlertSettings(cfg.alerts, { alertThreshold: cfg.monitoring.alertThreshold, env: {} });
  assert.equal(parsed.slackWebhook, 'https://hooks.slack.com/services/T/B/x');
  assert.equal(parsed.smtp?.host, 'mail.example.com');
  assert.equal(parsed.smtp?.password, 'pw');
  assert.equal(parsed.smtp?.port, 587);
  // Without the secret the channel is a configuration error, reported before the monitor starts.
  assert.throws(() => parseAlertSettings(monitorConfigFrom(settings, '/l.jsonl', {}).alerts, { alertThreshold: 5, env: {} }), /slack_webhook/);
});
