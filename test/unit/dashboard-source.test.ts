// The dashboard's status line says "live" only for a log a monitor in this window writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sourceWord } from '../../src/common/protocol';

test('"live" only while a monitor in this window writes the log', () => {
  const log = { mode: 'live' as const, file: '/ws/missed_blocks.jsonl', displayName: 'missed_blocks.jsonl' };
  assert.equal(sourceWord({ ...log, monitored: true }), 'live');
  assert.equal(sourceWord({ ...log, monitored: false }), 'not monitored in this window');
  assert.equal(sourceWord(log), 'not monitored in this window');
  assert.equal(sourceWord({ ...log, mode: 'replay' }), 'replay');
  assert.equal(sourceWord({ ...log, mode: 'fleet' }), 'fleet');
});
