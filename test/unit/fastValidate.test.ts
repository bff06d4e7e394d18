// fastValid (src/node/log/fastValidate.ts) against ajv on every path of the schema: for each
// property the schema declares, every wrong type, every value outside its enum, every bound and
// pattern it names, and its absence, applied to records with and without the optional fields. The
// fast check may refuse a valid record (ajv then decides), but it must never accept one ajv
// rejects. The cases are generated from schema/missed-block.schema.json itself, so a property
// added there is covered here at once, and a keyword this generator does not know fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020';
import schema from '../../schema/missed-block.schema.json';
import { fastValid } from '../../src/node/log/fastValidate';

const ajvValid = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

interface PropSchema {
  type?: string;
  enum?: string[];
  minimum?: number;
  maxLength?: number;
  pattern?: string;
  description?: string;
}
const PROPS = schema.properties as Record<string, PropSchema>;
const REQUIRED = new Set<string>(schema.required);
const KNOWN_KEYWORDS = new Set(['type', 'enum', 'minimum', 'maxLength', 'pattern', 'description']);

/** One value of every JSON type (and the non-JSON numbers a caller might hand in). */
const ANY_TYPE: unknown[] = [null, true, false, 0, 1, -1, 1.5, 'x', '', '1', [], [1], {}, { a: 1 }, NaN, Infinity, -Infinity];

function typeOk(type: string | undefined, v: unknown): boolean {
  switch (type) {
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    case undefined:
      return true;
    default:
      throw new Error(`the generator does not know type ${type}`);
  }
}

/** Each pattern the schema uses: values on both sides of it (every way to miss it, and hits). */
function hexCases(digits: number): string[] {
  const h = 'a'.repeat(digits);
  return [`0x${h}`, `0x${'A'.repeat(digits)}`, `0x${'aB'.repeat(digits / 2)}`, `0X${h}`, h, `0x${h.slice(1)}`, `0x${h}a`, `0x${h.slice(1)}g`, ` 0x${h}`, `0x${h}\n`, `0x${h.slice(2)}ü`, `xx${h}`, '0x'];
}
const PATTERN_CASES: Record<string, string[]> = {
  '^0x[0-9a-fA-F]{64}$': hexCases(64),
  '^0x[0-9a-fA-F]{96}$': hexCases(96),
  '^(0|[1-9][0-9]{0,77})$': ['0', '1', '10', '9'.repeat(78), '9'.repeat(79), '1'.repeat(78), '01', '00', '-1', '+1', '1.0', '1e3', ' 1', '1 ', '0x10', '', '١٢'],
};

/** Values for one property: wrong types, enum outsiders, both sides of every bound, pattern breakers. */
function valuesFor(p: PropSchema): unknown[] {
  const out = [...ANY_TYPE];
  if (p.enum) {
    out.push(...p.enum, ...p.enum.map((e) => e.toLowerCase()), ...p.enum.map((e) => `${e} `), 'Other', 'gap,delayed');
  }
  if (p.type === 'integer' || p.type === 'number') {
    const min = p.minimum ?? 0;
    out.push(min, min - 1, min + 1, min - 0.5, min + 0.5, min - 1e-9, -0, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e21, 1e300, -1e300, Number.MAX_VALUE);
  }
  if (p.maxLength !== undefined) {
    const n = p.maxLength;
    out.push('a'.repeat(n), 'a'.repeat(n + 1), 'ü'.repeat(n), 'ü'.repeat(n + 1), '🚀'.repeat(n / 2), '🚀'.repeat(n / 2 + 1), '🚀'.repeat(n), '🚀'.repeat(n + 1));
  }
  if (p.pattern !== undefined) {
    const breakers = PATTERN_CASES[p.pattern];
    assert.ok(breakers, `a new pattern needs its cases here: ${p.pattern}`);
    out.push(...breakers);
  }
  return out;
}

/** Records to mutate: only the required fields, every optional field, and a typical mix. */
function bases(): Record<string, unknown>[] {
  const required = {
    timestamp: 1700000000,
    block_number: 19000000,
    reason: 'NetworkLatency',
    severity: 'High',
    expected_timestamp: 1700000000,
    actual_timestamp: 1700000012,
    recovery_attempts: 0,
    recovered: false,
    metadata: {},
    alert_sent: false,
  };
  const full = {
    ...required,
    kind: 'missed_slot',
    block_hash: `0x${'ab'.repeat(32)}`,
    chain_id: 1,
    source: '127.0.0.1:8545',
    slot: 9000000,
    reorg_depth: 2,
    recovered_at: 1700000100,
    recovery_ms: 1500.5,
    streak: 3,
    unknown_extra: { kept: true },
  };
  const typical = { ...required, recovered: true, recovery_attempts: 2, metadata: { note: 'ü東🚀' }, kind: 'gap', chain_id: 31337, source: 'primary-ws' };
  return [required, full, typical];
}

test('the generator knows every keyword the schema uses (a new keyword must be taught here first)', () => {
  for (const [name, p] of Object.entries(PROPS)) {
    for (const k of Object.keys(p)) assert.ok(KNOWN_KEYWORDS.has(k), `${name}.${k}`);
  }
  assert.deepEqual(Object.keys(schema).sort(), ['$id', '$schema', 'description', 'if', 'properties', 'required', 'then', 'title', 'type']);
  // The one conditional: a tx_missed record names its transaction in metadata.tx_hash.
  assert.deepEqual(schema.if, { properties: { kind: { const: 'tx_missed' } }, required: ['kind'] });
  assert.deepEqual(schema.then.properties.metadata, { required: ['tx_hash'], properties: { tx_hash: { type: 'string', pattern: '^0x[0-9a-fA-F]{64}$' } } });
});

test('the conditional path: a tx_missed record with every kind of metadata.tx_hash, and without one', () => {
  const [base] = bases();
  const variants: unknown[] = [{}, { other: 1 }, ...[...ANY_TYPE, ...PATTERN_CASES['^0x[0-9a-fA-F]{64}$']!].map((tx_hash) => ({ tx_hash }))];
  let rejected = 0;
  let accepted = 0;
  for (const metadata of variants) {
    for (const kind of ['tx_missed', 'gap']) {
      const v = { ...base, kind, metadata };
      const ajvOk = ajvValid(v);
      if (fastValid(v)) {
        assert.ok(ajvOk, `fastValid accepted what ajv rejects: ${JSON.stringify(v)}`);
        accepted++;
      }
      if (!ajvOk) rejected++;
    }
  }
  assert.ok(rejected > 10 && accepted > 10, `${rejected} rejected, ${accepted} accepted`);
  assert.equal(fastValid({ ...base, kind: 'tx_missed', metadata: { tx_hash: `0x${'ab'.repeat(32)}` } }), true);
  assert.equal(fastValid({ ...base, kind: 'tx_missed', metadata: {} }), false);
});

test('the bases are valid for both checks', () => {
  for (const b of bases()) {
    assert.ok(ajvValid(b), JSON.stringify(ajvValid.errors));
    assert.equal(fastValid(b), true);
  }
});

test('fastValid never accepts what ajv rejects: every property × every wrong type, enum value, bound and pattern, and its absence', () => {
  let cases = 0;
  const rejectedByAjv = new Map<string, number>();
  const acceptedByBoth = new Map<string, number>();
  for (const base of bases()) {
    for (const [name, p] of Object.entries(PROPS)) {
      const variants: Record<string, unknown>[] = valuesFor(p).map((v) => ({ ...base, [name]: v }));
      const without = { ...base };
      delete without[name];
      variants.push(without);
      for (const v of variants) {
        cases++;
        const ajvOk = ajvValid(v);
        const fastOk = fastValid(v);
        if (fastOk) assert.ok(ajvOk, `fastValid accepted what ajv rejects (${name} = ${JSON.stringify(v[name])}): ${JSON.stringify(ajvValid.errors)}`);
        if (!ajvOk) rejectedByAjv.set(name, (rejectedByAjv.get(name) ?? 0) + 1);
        if (ajvOk && fastOk) acceptedByBoth.set(name, (acceptedByBoth.get(name) ?? 0) + 1);
        // The form the schema names, checked independently of both: a wrong type is always refused.
        if (v[name] !== undefined && !typeOk(p.type, v[name])) assert.equal(fastOk, false, `${name} = ${JSON.stringify(v[name])}`);
        if (!(name in v) && REQUIRED.has(name)) assert.equal(fastOk, false, `without ${name}`);
      }
    }
  }
  // Every property was really exercised: some of its cases are invalid, and the valid ones are
  // not all refused (a fast check that refuses everything would pass the assertion above).
  for (const name of Object.keys(PROPS)) {
    assert.ok((rejectedByAjv.get(name) ?? 0) > 0, `no case of ${name} is invalid`);
    assert.ok((acceptedByBoth.get(name) ?? 0) > 0, `no valid case of ${name} is accepted by fastValid`);
  }
  assert.ok(cases > 1500, `${cases} cases`);
});

test('every enum member is accepted, and the boundary values the schema allows', () => {
  // metadata names a transaction, so that kind tx_missed is valid too.
  const base = { ...bases()[0]!, metadata: { tx_hash: `0x${'cd'.repeat(32)}` } };
  for (const [name, p] of Object.entries(PROPS)) {
    for (const e of p.enum ?? []) assert.equal(fastValid({ ...base, [name]: e }), true, `${name} = ${e}`);
    if (p.minimum !== undefined) assert.equal(fastValid({ ...base, [name]: p.minimum }), true, `${name} = ${p.minimum}`);
    if (p.minimum !== undefined) assert.equal(fastValid({ ...base, [name]: p.minimum - 1 }), false, `${name} = ${p.minimum - 1}`);
  }
  assert.equal(fastValid({ ...base, source: 'a'.repeat(256) }), true);
  assert.equal(fastValid({ ...base, source: 'a'.repeat(257) }), false);
  for (const v of [null, [], 'x', 1, [base]]) assert.equal(fastValid(v), false);
});
