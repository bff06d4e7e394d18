// The editor settings are declared once (src/core/settings.ts); package.json's copy is generated
// (`npm run gen:settings`). This fails when package.json differs from what would be generated, and
// pins what the declaration must say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { formatSize, SETTINGS, withGeneratedSettings } from '../../src/core/settings';
import { parseSize } from '../../src/core/config';

const text = readFileSync(path.join(__dirname, '../../package.json'), 'utf8');
const pkg = JSON.parse(text) as Record<string, unknown>;

test('package.json is exactly what `npm run gen:settings` writes', () => {
  assert.equal(text, `${JSON.stringify(withGeneratedSettings(pkg), null, 2)}\n`, 'run `npm run gen:settings` and commit package.json');
});

test('the declared defaults are the relay logger\'s, in the settings\' units (literals)', () => {
  const d = Object.fromEntries(Object.entries(SETTINGS).map(([k, v]) => [k, v.default]));
  assert.deepEqual(
    [d.logFile, d.expectedBlockTime, d.maxBlockDelay, d.retryAttempts, d.retryDelay, d.alertThreshold, d.logRotationSize, d.logRetentionDays, d.batchSize, d.batchTimeout, d.alertChannels],
    ['logs/missed_blocks.jsonl', 12, 30, 3, 5, 5, '10MB', 30, 100, 1, ['console']],
  );
});

test('no description says "seed" or cites an issue; each says what the setting does', () => {
  for (const [k, v] of Object.entries(SETTINGS)) {
    assert.doesNotMatch(v.description, /\bseed\b|issue \d/i, k);
    assert.ok(v.description.length > 20, k);
  }
});

test('one size table: KB, MB and GB are binary, as are KiB/MiB/GiB; formatSize reads back', () => {
  assert.equal(parseSize('k', '1KB'), 1024);
  assert.equal(parseSize('k', '1kib'), 1024);
  assert.equal(parseSize('k', '10MB'), 10_485_760);
  assert.equal(parseSize('k', '2GB'), 2_147_483_648);
  assert.equal(formatSize(10_485_760), '10MB');
  assert.equal(formatSize(1536), '1536B');
  assert.equal(formatSize(3 * 1024 ** 3), '3GB');
  for (const n of [1, 1024, 5 * 1024 ** 2, 1234567]) assert.equal(parseSize('k', formatSize(n)), n);
});
