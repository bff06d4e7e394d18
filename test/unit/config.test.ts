import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, DEFAULT_LOGGING, DEFAULT_MONITORING, parseConfigText, parseSize } from '../../src/core/config';
import { loadConfigFile } from '../../src/node/configFile';

const fixtures = path.join(__dirname, '..', 'fixtures', 'config');

test('defaults are the relay defaults', () => {
  assert.deepEqual(DEFAULT_MONITORING, {
    expectedBlockTimeMs: 12_000,
    expectedBlockTimeExplicit: false,
    detectMissedSlots: 'auto',
    maxBlockDelayMs: 30_000,
    retryAttempts: 3,
    retryDelayMs: 5_000,
    alertThreshold: 5,
    enableRecovery: true,
    logMissedBlocks: true,
    metricsEnabled: true,
  });
  assert.equal(DEFAULT_LOGGING.logFilePath, 'logs/missed_blocks.jsonl');
  assert.equal(DEFAULT_LOGGING.logRotationSize, 10 * 1024 * 1024);
  assert.equal(DEFAULT_LOGGING.logRetentionDays, 30);
  assert.equal(DEFAULT_LOGGING.batchSize, 100);
  assert.equal(DEFAULT_LOGGING.batchTimeoutMs, 60_000);
  assert.equal(parseConfigText('').alerts.channels.join(), 'console');
});

test("the relay's production example loads to its values", () => {
  const c = loadConfigFile(path.join(fixtures, 'seed-production.toml'));
  assert.equal(c.monitoring.expectedBlockTimeMs, 12_000);
  assert.equal(c.monitoring.maxBlockDelayMs, 30_000);
  assert.equal(c.monitoring.retryAttempts, 5);
  assert.equal(c.monitoring.retryDelayMs, 10_000);
  assert.equal(c.monitoring.alertThreshold, 3);
  assert.equal(c.logging.logFilePath, '/var/log/mev_relay/missed_blocks.jsonl');
  assert.equal(c.logging.logRotationSize, 100 * 1024 * 1024);
  assert.equal(c.logging.logRetentionDays, 90);
  assert.equal(c.logging.enableConsoleLogging, false);
  assert.equal(c.logging.batchSize, 1000);
  assert.equal(c.logging.batchTimeoutMs, 300_000);
  assert.deepEqual(c.alerts.channels, ['webhook', 'slack', 'email']);
  assert.equal(c.alerts.webhookUrl, 'https://alerts.example.com/webhook');
  assert.equal(c.alerts.slackWebhook, 'https://hooks.slack.com/services/...');
  assert.equal(c.alerts.emailAddress, 'alerts@example.com');
});

test("the relay's development example loads to its values", () => {
  const c = loadConfigFile(path.join(fixtures, 'seed-development.toml'));
  assert.equal(c.monitoring.maxBlockDelayMs, 60_000);
  assert.equal(c.monitoring.retryAttempts, 2);
  assert.equal(c.monitoring.alertThreshold, 10);
  assert.equal(c.logging.logRotationSize, 10 * 1024 * 1024);
  assert.equal(c.logging.logRetentionDays, 7);
  assert.equal(c.logging.enableConsoleLogging, true);
  assert.deepEqual(c.alerts.channels, ['console']);
});

test('the relay example with bare sizes (100MB, not valid TOML) loads the same as the quoted one', () => {
  const bare = loadConfigFile(path.join(fixtures, 'seed-production-bare-sizes.toml'));
  const quoted = loadConfigFile(path.join(fixtures, 'seed-production.toml'));
  assert.deepEqual(bare, quoted);
});

test('sizes: numbers and strings with units', () => {
  assert.equal(parseSize('k', 1234), 1234);
  assert.equal(parseSize('k', '512KB'), 512 * 1024);
  assert.equal(parseSize('k', '1.5 GiB'), 1.5 * 1024 ** 3);
  assert.throws(() => parseSize('k', '10 parsecs'), ConfigError);
  assert.throws(() => parseSize('k', -5), ConfigError);
});

test('a bad value names the key, the value and the expected form', () => {
  assert.throws(
    () => parseConfigText('[monitoring]\nretry_attempts = "three"\n', 'my.toml'),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.key, 'monitoring.retry_attempts');
      assert.match(e.message, /^my\.toml: monitoring\.retry_attempts = "three": expected a whole number ≥ 0$/);
      return true;
    },
  );
  assert.throws(() => parseConfigText('[logging]\nlog_rotation_size = "huge"\n'), /logging\.log_rotation_size = "huge": expected a positive size/);
  assert.throws(() => parseConfigText('[monitoring]\nexpected_block_time = 0\n'), /monitoring\.expected_block_time = 0: expected a duration > 0/);
  assert.throws(() => parseConfigText('[monitoring]\nenable_recovery = "yes"\n'), /enable_recovery = "yes": expected true or false/);
  assert.throws(() => parseConfigText('[alerts]\nchannels = ["pager"]\n'), /alerts\.channels\[0\] = "pager": expected one of console, file/);
  assert.throws(() => parseConfigText('[monitoring]\nexpected_blok_time = 12\n'), /monitoring\.expected_blok_time = 12: expected one of the known keys/);
});

test('detect_missed_slots: true, false or "auto"; expected_block_time remembers being set', () => {
  assert.equal(parseConfigText('').monitoring.detectMissedSlots, 'auto');
  assert.equal(parseConfigText('[monitoring]\ndetect_missed_slots = false\n').monitoring.detectMissedSlots, false);
  assert.equal(parseConfigText('[monitoring]\ndetect_missed_slots = true\n').monitoring.detectMissedSlots, true);
  assert.equal(parseConfigText('[monitoring]\ndetect_missed_slots = "auto"\n').monitoring.detectMissedSlots, 'auto');
  assert.throws(() => parseConfigText('[monitoring]\ndetect_missed_slots = "yes"\n', 'm.toml'), /^ConfigError: m\.toml: monitoring\.detect_missed_slots = "yes": expected true, false or "auto"$/);
  assert.equal(parseConfigText('').monitoring.expectedBlockTimeExplicit, false);
  assert.equal(parseConfigText('[monitoring]\nmax_block_delay = 5\n').monitoring.expectedBlockTimeExplicit, false);
  const set = parseConfigText('[monitoring]\nexpected_block_time = 12\n').monitoring;
  assert.deepEqual([set.expectedBlockTimeMs, set.expectedBlockTimeExplicit], [12_000, true]);
});

test('broken TOML says where', () => {
  assert.throws(() => parseConfigText('[monitoring\nx = 1\n', 'a.toml'), /a\.toml: line 1, column \d+/);
});

test('an unreadable file is a ConfigError, not a crash', () => {
  assert.throws(() => loadConfigFile('/nonexistent/mbm.toml'), /expected a readable TOML file \(ENOENT\)/);
});

test('durations accept units', () => {
  const c = parseConfigText('[monitoring]\nmax_block_delay = "500ms"\nretry_delay = "1m"\n');
  assert.equal(c.monitoring.maxBlockDelayMs, 500);
  assert.equal(c.monitoring.retryDelayMs, 60_000);
});
