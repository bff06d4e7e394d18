import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BitSet, KeyIndex } from '../../src/node/log/keyset';

test('KeyIndex agrees with a Map on dense runs, colliding strides, huge keys and growth', () => {
  const idx = new KeyIndex(4);
  const ref = new Map<number, number>();
  const keys: number[] = [];
  for (let i = 0; i < 20000; i++) keys.push(76_000_000 + i * 4 + (i % 3)); // a log's dense keys
  for (let i = 0; i < 3000; i++) keys.push(i * 65536); // all equal in the low 16 bits: forces long probes
  for (let i = 0; i < 50; i++) keys.push(2 ** 40 + i, 2 ** 32 - 1 + i); // beyond 32 bits
  keys.push(...keys.slice(0, 5000)); // repeats
  keys.forEach((k, i) => {
    assert.equal(idx.upsert(k, i), ref.get(k) ?? -1, `upsert ${k}`);
    ref.set(k, i);
  });
  assert.equal(idx.size, ref.size);
  for (const [k, v] of ref) assert.equal(idx.get(k), v);
  assert.equal(idx.get(12345), -1);
});

test('BitSet grows and counts each member once', () => {
  const b = new BitSet();
  for (const i of [0, 31, 32, 100000, 100000, 5]) b.add(i);
  assert.equal(b.size, 5);
  assert.ok(b.has(100000) && b.has(31) && b.has(0));
  assert.ok(!b.has(1) && !b.has(10 ** 9));
});
