// The content rule that recognises a missed-block log (package.json `firstLine`, and the extension
// for `*.jsonl` files VS Code's JSON Lines language claims by name).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIRST_LINE_PATTERN, looksLikeMissedBlockRecord } from '../../src/common/logLanguage';

const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { languages: { id: string; firstLine?: string; filenamePatterns?: string[] }[] };
};
const lang = pkg.contributes.languages.find((l) => l.id === 'missed-block-log')!;

test('package.json firstLine is the shared pattern, and the file patterns are the documented two', () => {
  assert.equal(lang.firstLine, FIRST_LINE_PATTERN);
  assert.deepEqual(lang.filenamePatterns, ['missed_blocks*.jsonl', '*.mbl.jsonl']);
});

test('firstLine recognises a record whatever the order of its fields', () => {
  const relay = '{"timestamp":1640995200,"block_number":1001,"reason":"NetworkLatency","severity":"Medium","expected_timestamp":1640995212,"actual_timestamp":1640995220,"recovery_attempts":0,"recovered":false,"metadata":{},"alert_sent":false}';
  const reordered = '{"severity":"High","alert_sent":false,"metadata":{},"recovered":false,"recovery_attempts":0,"actual_timestamp":5,"expected_timestamp":4,"reason":"Timeout","block_number":7,"timestamp":5}';
  const spaced = '{ "block_number" : 7, "expected_timestamp" : 4, "reason" : "Timeout", "severity" : "High", "timestamp": 5 }';
  const bom = `\uFEFF${relay}`;
  const kindFirst = '{"kind":"missed_slot","slot":12,"source":"ws://127.0.0.1:8545","reason":"Unknown","block_number":55,"severity":"High","expected_timestamp":1700000000,"timestamp":1700000001,"actual_timestamp":1700000001,"recovery_attempts":0,"recovered":false,"metadata":{},"alert_sent":false}';
  for (const l of [relay, reordered, spaced, bom, kindFirst]) assert.equal(looksLikeMissedBlockRecord(l), true, l);
});

test('firstLine does not claim other JSON Lines or text', () => {
  const others = [
    '{"level":"info","msg":"block 1001 imported","time":"2024-01-01T00:00:00Z"}',
    '{"block_number":1001,"hash":"0xabc","timestamp":1640995200}', // a block, not a record
    '{"reason":"x","severity":"High"}', // no block or expected time
    '[{"block_number":1,"expected_timestamp":2,"severity":"High","reason":"Timeout"}]', // an array
    'block_number expected_timestamp severity reason', // words, not JSON
    '',
    '# missed blocks',
  ];
  for (const l of others) assert.equal(looksLikeMissedBlockRecord(l), false, l);
});
