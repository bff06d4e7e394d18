// discoverable: the one rule for which files count as a workspace's logs, whoever searches (chokidar
// in plain Node, VS Code's findFiles and file watcher in the editor).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { discoverable } from '../../src/extension/logWatcher';

const ws = path.resolve('/ws');
const at = (...p: string[]) => path.join(ws, ...p);

test('a log name under a root, at most `depth` folders down, outside hidden and skipped folders', () => {
  assert.equal(discoverable([ws], 6, at('missed_blocks.jsonl')), true);
  assert.equal(discoverable([ws], 6, at('logs', 'relay.mbl.jsonl')), true);
  assert.equal(discoverable([ws], 6, at('a', 'b', 'c', 'd', 'e', 'f', 'missed_blocks.jsonl')), true, '6 folders down');
  assert.equal(discoverable([ws], 6, at('a', 'b', 'c', 'd', 'e', 'f', 'g', 'missed_blocks.jsonl')), false, '7 folders down');
  assert.equal(discoverable([ws], 6, at('node_modules', 'x', 'missed_blocks.jsonl')), false);
  assert.equal(discoverable([ws], 6, at('target', 'missed_blocks.jsonl')), false);
  assert.equal(discoverable([ws], 6, at('.cache', 'missed_blocks.jsonl')), false);
  assert.equal(discoverable([ws], 6, at('notes.jsonl')), false, 'not a log name');
  assert.equal(discoverable([ws], 6, at('missed_blocks.20240101T000000.jsonl')), false, 'a rotated part');
  assert.equal(discoverable([ws], 6, at('missed_blocks.features.jsonl')), false, 'a side file');
  assert.equal(discoverable([ws], 6, path.resolve('/elsewhere/missed_blocks.jsonl')), false, 'outside every root');
  assert.equal(discoverable([path.resolve('/other'), ws], 0, at('missed_blocks.jsonl')), true, 'any root; depth 0 is the root itself');
  assert.equal(discoverable([ws], 0, at('logs', 'missed_blocks.jsonl')), false);
});
