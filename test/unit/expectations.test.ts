// The expectation line format (line-numbered errors, unknown fields kept) and the verdict rules
// that turn facts read at a block's parent into a reason, and the tx_missed record they make.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExpectationArray, parseExpectations, formatExpectationErrors } from '../../src/core/expectations';
import { classifyTx, txMissedRecord, type TxFacts } from '../../src/core/txVerdict';
import { decodeRevert, interfaceOf } from '../../src/node/expect/revert';
import { expectSettingsFrom } from '../../src/node/expect/settings';
import { parseConfigText as parseConfig } from '../../src/core/config';
import { AbiCoder } from 'ethers';
import { recordKey, toLogLine } from '../../src/core/model';
import { parseLogLine } from '../../src/node/log/validate';
import schema from '../../schema/expectation.schema.json';

const HASH = `0x${'ab'.repeat(32)}`;

test('good lines parse; blank lines are skipped; unknown fields are kept', () => {
  const text = `\uFEFF{"block": 12, "raw": "0x02f8", "bundle": "b1", "note": {"x": 1}}\n\n{"block": "next", "hash": "${HASH.toUpperCase().replace('0X', '0x')}", "abi": ["error Low(uint256)"]}\n`;
  const { expectations, errors } = parseExpectations(text);
  assert.deepEqual(errors, []);
  assert.deepEqual(expectations, [
    { line: 1, block: 12, raw: '0x02f8', bundle: 'b1', extra: { note: { x: 1 } } },
    { line: 3, block: 'next', hash: HASH, abi: ['error Low(uint256)'] },
  ]);
});

test('bad lines are named by number, each with what was expected', () => {
  const lines = [
    '{"block": 1, "raw": "0x02"}',
    '[1]',
    '{"raw": "0x02"}',
    '{"block": 1.5, "raw": "0x02"}',
    '{"block": 1}',
    `{"block": 1, "raw": "0x02", "hash": "${HASH}"}`,
    '{"block": 1, "raw": "0x123"}',
    '{"block": 1, "hash": "0x12"}',
    '{"block": 1, "raw": "0x02", "bundle": ""}',
    '{"block": 1, "raw": "0x02", "abi": "error X()"}',
    '{"block": 1, "raw": ',
  ];
  const { expectations, errors } = parseExpectations(lines.join('\n'));
  assert.equal(expectations.length, 1);
  assert.deepEqual(errors.map((e) => e.line), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.equal(errors[0].message, 'expected a JSON object like {"block": 123, "raw": "0x…"}');
  assert.equal(errors[1].message, '"block" is missing (a block number, or "next")');
  assert.equal(errors[2].message, '"block" must be a whole number ≥ 0 or "next", got 1.5');
  assert.equal(errors[3].message, '"raw" (a signed transaction, 0x hex) or "hash" (0x + 64 hex digits) is missing');
  assert.equal(errors[4].message, 'give "raw" or "hash", not both');
  assert.equal(errors[5].message, '"raw" must be a signed transaction as 0x hex (whole bytes), got "0x123"');
  assert.match(errors[9].message, /^not JSON/);
  assert.match(formatExpectationErrors(errors, 2), /^line 2: .*\nline 3: .*\n… and 8 more$/);
});

test('a JSON array body: positions are 1-based', () => {
  const { expectations, errors } = parseExpectationArray([{ block: 1, hash: HASH }, { block: 'later', hash: HASH }]);
  assert.equal(expectations.length, 1);
  assert.deepEqual(errors, [{ line: 2, message: '"block" must be a whole number ≥ 0 or "next", got "later"' }]);
  assert.deepEqual(parseExpectationArray({}).errors, [{ line: 0, message: 'expected a JSON array of expectations' }]);
});

const facts = (over: Partial<TxFacts> = {}): TxFacts => ({
  chainMatches: true,
  nonce: 4n,
  expectedNonce: 4n,
  balance: 10n ** 18n,
  cost: 21_000n * 3n,
  gasLimit: 21_000n,
  blockGasLimit: 30_000_000n,
  blockGasUsed: 0n,
  feeCap: 3n,
  baseFee: 1n,
  ...over,
});

test('verdicts, in order: nonce, funds, gas, revert, else not included', () => {
  const revert = { ok: false as const, revert: { kind: 'Error' as const, text: 'Error("no")', data: '0x' } };
  assert.equal(classifyTx(facts({ nonce: 5n, balance: 0n })).reason, 'NonceMismatch');
  assert.equal(classifyTx(facts({ balance: 62_999n, gasLimit: 40_000_000n })).reason, 'InsufficientFunds');
  assert.deepEqual(classifyTx(facts({ gasLimit: 40_000_000n, cost: 0n })), { reason: 'GasLimitExceeded', verdict: 'gas_limit_exceeded', detail: 'gas limit 40000000 > block gas limit 30000000' });
  assert.deepEqual(classifyTx(facts({ blockGasUsed: 29_990_000n })).detail, 'gas limit 21000 > 10000 gas left in the block');
  assert.deepEqual(classifyTx(facts({ call: revert })), { reason: 'ContractRevert', verdict: 'reverted', detail: 'reverts: Error("no")' });
  assert.deepEqual(classifyTx(facts({ call: { ok: true } })).verdict, 'not_included');
  assert.equal(classifyTx(facts({ feeCap: 1n, baseFee: 2n })).verdict, 'fee_below_base_fee');
  assert.equal(classifyTx(facts({ chainMatches: false, nonce: 9n })).verdict, 'wrong_chain');
});

test('the tx_missed record: target block, metadata with both nonces and the bundle, valid against the schema', () => {
  const r = txMissedRecord({
    now: 1700000100,
    target: { number: 77, hash: `0x${'cd'.repeat(32)}`, timestamp: 1700000088 },
    chainId: 31337,
    source: '127.0.0.1:8545',
    txHash: HASH.toUpperCase().replace('0X', '0x'),
    sender: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    verdict: classifyTx(facts({ nonce: 6n })),
    facts: facts({ nonce: 6n }),
    bundle: 'b7',
    line: 3,
    alertThreshold: 5,
  });
  assert.deepEqual([r.kind, r.block_number, r.reason, r.severity, r.expected_timestamp, r.chain_id], ['tx_missed', 77, 'NonceMismatch', 'High', 1700000088, 31337]);
  assert.deepEqual([r.metadata.tx_hash, r.metadata.nonce_expected, r.metadata.nonce_actual, r.metadata.bundle, r.metadata.simulation, r.metadata.expectation_line], [HASH, '4', '6', 'b7', 'state_reads', 3]);
  assert.equal(recordKey(r), `77:tx_missed:${HASH}`);
  assert.equal(parseLogLine(toLogLine(r)).ok, true);
});

test('revert data decodes: Error(string), Panic(uint256), a custom error of the given ABI, else shown raw', () => {
  // Error("not today") and Panic(0x11), as a node returns them.
  const err = `0x08c379a0${AbiCoder.defaultAbiCoder().encode(['string'], ['not today']).slice(2)}`;
  const panic = '0x4e487b710000000000000000000000000000000000000000000000000000000000000011';
  assert.deepEqual(decodeRevert(err), { kind: 'Error', text: 'Error("not today")', data: err });
  assert.equal(decodeRevert(panic).text, 'Panic(0x11: arithmetic overflow or underflow)');
  const iface = interfaceOf(['error TooLow(uint256 given, uint256 minimum)']);
  const custom = iface!.encodeErrorResult('TooLow', [3, 10]);
  assert.deepEqual(decodeRevert(custom, iface), { kind: 'custom', text: 'TooLow(3, 10)', data: custom });
  assert.equal(decodeRevert(custom).kind, 'unknown');
  assert.equal(decodeRevert('0x').text, 'reverted without data');
});

test('[expect] settings: defaults, and a bad key or value names itself', () => {
  assert.deepEqual(expectSettingsFrom(parseConfig('')), { confirmations: 0, waitTimeoutMs: 300_000 });
  assert.deepEqual(expectSettingsFrom(parseConfig('[expect]\nconfirmations = 2\nwait_timeout = 30\n')), { confirmations: 2, waitTimeoutMs: 30_000 });
  assert.throws(() => expectSettingsFrom(parseConfig('[expect]\nconfirmations = -1\n')), /expect\.confirmations = -1: expected a whole number of blocks/);
  assert.throws(() => expectSettingsFrom(parseConfig('[expect]\nconfirmation = 1\n')), /expect\.confirmation = 1: expected no such key/);
});

test('the published schema (schema/expectation.schema.json) accepts and refuses the same lines as the parser', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Ajv2020 = (require('ajv/dist/2020') as typeof import('ajv/dist/2020')).default;
  const validate = new Ajv2020({ strict: false }).compile(schema);
  const lines: [unknown, boolean][] = [
    [{ block: 1, raw: '0x02f8' }, true],
    [{ block: 'next', hash: HASH, bundle: 'b', abi: ['error X()', { type: 'error', name: 'Y', inputs: [] }], note: 1 }, true],
    [{ block: 1 }, false],
    [{ block: 1, raw: '0x02', hash: HASH }, false],
    [{ block: -1, raw: '0x02' }, false],
    [{ block: 'soon', raw: '0x02' }, false],
    [{ block: 1, raw: '0x123' }, false],
    [{ block: 1, hash: '0x12' }, false],
    [{ block: 1, raw: '0x02', bundle: '' }, false],
    [{ block: 1, raw: '0x02', abi: 'error X()' }, false],
  ];
  for (const [v, ok] of lines) {
    assert.equal(validate(v), ok, `schema on ${JSON.stringify(v)}`);
    assert.equal(parseExpectationArray([v]).errors.length === 0, ok, `parser on ${JSON.stringify(v)}`);
  }
});
