// groupDigits writes counts as toLocaleString('en-US') does (the tree's "newest 2,000 of 949,927"),
// without loading ICU in the extension host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupDigits } from '../../src/extension/model/format';

test('groupDigits puts a comma every three digits, like en-US', () => {
  assert.equal(groupDigits(0), '0');
  assert.equal(groupDigits(999), '999');
  assert.equal(groupDigits(1000), '1,000');
  assert.equal(groupDigits(949927), '949,927');
  assert.equal(groupDigits(1000000), '1,000,000');
  assert.equal(groupDigits(12345678901), '12,345,678,901');
  assert.equal(groupDigits(-20000), '-20,000');
  for (const n of [7, 10, 100, 65536, 2_000, 47_441, 999_999_999]) assert.equal(groupDigits(n), n.toLocaleString('en-US'), String(n));
});
