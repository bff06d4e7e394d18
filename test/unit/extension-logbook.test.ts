import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogBook } from '../../src/extension/model/logBook';
import { rec } from '../helpers/extensionRecords';

test('a record written again replaces the earlier one, pointing at its newer line', () => {
  const b = new LogBook();
  b.add('/l', rec(10), 1);
  b.add('/l', rec(11), 2);
  b.add('/l', rec(10, { recovered: true }), 3);
  const e = b.entries('/l');
  assert.deepEqual(e.map((x) => [x.record.block_number, x.line, x.record.recovered]), [[11, 2, false], [10, 3, true]]);
});

test('a gap and a delayed record of one block are two events', () => {
  const b = new LogBook();
  b.add('/l', rec(10), 1);
  b.add('/l', rec(10, { kind: 'delayed' }), 2);
  assert.equal(b.entries('/l').length, 2);
});

test('rotation keeps the history without lines; truncation forgets it', () => {
  const b = new LogBook();
  b.add('/a', rec(1), 1);
  b.add('/b', rec(2), 1);
  b.badLine('/a');
  b.reset('/a', 'rotated');
  assert.equal(b.entries('/a')[0].line, undefined);
  assert.equal(b.badLines('/a'), 0);
  b.reset('/b', 'truncated');
  assert.equal(b.entries('/b').length, 0);
});

test('the oldest records go first when a file holds more than the bound', () => {
  const b = new LogBook(3);
  for (let n = 1; n <= 5; n++) b.add('/l', rec(n), n);
  assert.deepEqual(b.entries('/l').map((e) => e.record.block_number), [3, 4, 5]);
});

test('a known but empty log is listed; lastSeq tells which log was written last', () => {
  const b = new LogBook();
  b.ensure('/empty');
  b.add('/a', rec(1), 1);
  assert.deepEqual(b.files(), ['/empty', '/a']);
  assert.equal(b.lastSeq('/empty'), 0);
  assert.ok(b.lastSeq('/a') > 0);
});
