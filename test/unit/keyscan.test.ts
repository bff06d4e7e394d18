// scanKey must never give a valid line a wrong key (that would drop or keep the wrong record when
// collapsing); "don't know" is always allowed. These lines are built to fool a naive scanner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_NONE, KEY_UNKNOWN, numericKey, scanKey } from '../../src/node/log/keyscan';
import { parseLogLine } from '../../src/node/log/validate';

const REQ = '"timestamp":1,"reason":"Unknown","severity":"Low","expected_timestamp":1,"actual_timestamp":1,"recovery_attempts":0,"recovered":false,"alert_sent":false';

function scan(line: string): number {
  const b = Buffer.from(line);
  return scanKey(b, 0, b.length);
}

function truth(line: string): number | 'invalid' {
  const r = parseLogLine(line);
  return r.ok ? numericKey(r.record.block_number, r.record.kind, r.record.slot) : 'invalid';
}

const tricky: [string, string][] = [
  ['plain', `{${REQ},"block_number":7,"metadata":{}}`],
  ['with kind', `{${REQ},"block_number":7,"metadata":{},"kind":"reorg"}`],
  ['kind only inside metadata', `{${REQ},"block_number":7,"metadata":{"kind":"reorg"}}`],
  ['kind inside metadata and at top level', `{${REQ},"block_number":7,"metadata":{"kind":"gap"},"kind":"delayed"}`],
  ['top-level kind before metadata holding a kind', `{"kind":"missed_slot",${REQ},"block_number":7,"metadata":{"kind":"reorg"}}`],
  ['block_number inside metadata first', `{${REQ},"metadata":{"block_number":99},"block_number":7}`],
  ['block_number as a string value', `{${REQ},"metadata":{"x":"block_number"},"block_number":7,"source":"kind"}`],
  ['braces and colons inside strings', `{${REQ},"metadata":{"s":"}{\\":{\\"kind\\":\\"reorg\\"}"},"block_number":7}`],
  ['escaped quote before a key', `{${REQ},"metadata":{"s":"a\\"kind\\":\\"reorg"},"block_number":7,"kind":"delayed"}`],
  ['escaped key name', `{${REQ},"metadata":{},"block\\u005fnumber":7,"ki\\u006ed":"reorg"}`],
  ['whitespace everywhere', `{ ${REQ} , "block_number" :  7 , "metadata" : { } , "kind" : "delayed" }`],
  ['duplicate block_number (JSON.parse keeps the last)', `{${REQ},"block_number":7,"metadata":{},"block_number":8}`],
  ['duplicate kind', `{${REQ},"block_number":7,"metadata":{},"kind":"gap","kind":"reorg"}`],
  ['block number with exponent', `{${REQ},"block_number":7e0,"metadata":{}}`],
  ['block number 7.0', `{${REQ},"block_number":7.0,"metadata":{}}`],
  ['arrays of objects in extra fields', `{${REQ},"block_number":7,"metadata":{},"x":[{"kind":"reorg"},{"block_number":1}]}`],
  ['unicode everywhere', `{${REQ},"block_number":7,"metadata":{"n":"東京 🚀 \\u00e9"},"source":"é","kind":"gap"}`],
  ['huge block number', `{${REQ},"block_number":123456789012345678,"metadata":{}}`],
  ['not an object', `[{${REQ},"block_number":7,"metadata":{}}]`],
  ['no block_number', `{${REQ},"metadata":{}}`],
  ['unknown kind', `{${REQ},"block_number":7,"metadata":{},"kind":"other"}`],
  ['truncated', `{${REQ},"block_number":7,"meta`],
  // more shapes a shortcut could get wrong
  ['"}" in a metadata string, kind only in metadata', `{${REQ},"block_number":7,"metadata":{"a":"}","kind":"reorg"}}`],
  ['"{" in a string outside metadata', `{${REQ},"block_number":7,"source":"{","metadata":{"kind":"reorg"}}`],
  ['leading whitespace before the root', `   {${REQ},"block_number":7,"metadata":{"kind":"reorg"},"kind":"delayed"}`],
  ['"kind" as a value only', `{${REQ},"block_number":7,"metadata":{},"source":"kind"}`],
  ['kind in a nested extra object only', `{${REQ},"block_number":7,"metadata":{},"x":{"kind":"reorg"}}`],
  ['kind in an array only', `{${REQ},"block_number":7,"metadata":{},"x":["kind"]}`],
  ['block_number inside metadata after the top-level one', `{${REQ},"block_number":7,"metadata":{"block_number":9}}`],
  ['kind before metadata', `{"kind":"reorg",${REQ},"block_number":7,"metadata":{"n":1}}`],
  ['kind right after metadata, spaced', `{${REQ},"block_number" : 7 ,"metadata" : { "q" : "x" } , "kind" : "missed_slot" }`],
];

for (const [name, line] of tricky) {
  test(`scanKey: ${name}`, () => {
    const k = scan(line);
    const t = truth(line);
    if (k === KEY_UNKNOWN) return; // always safe: the reader parses the line
    if (k === KEY_NONE) return assert.equal(t, 'invalid', 'KEY_NONE for a valid line');
    if (t !== 'invalid') assert.equal(k, t);
  });
}

test('scanKey reads common lines without falling back (the fast path is really taken)', () => {
  assert.equal(scan(`{${REQ},"block_number":7,"metadata":{}}`), 7 * 4);
  assert.equal(scan(`{${REQ},"block_number":7,"metadata":{"kind":"reorg"},"kind":"delayed"}`), 7 * 4 + 1);
  assert.equal(scan(`{${REQ},"block_number":7,"metadata":{"n":"\\u00e9 \\"q\\""},"kind":"missed_slot"}`), KEY_UNKNOWN, 'a missed slot is keyed by its slot too');
  // Reorgs and chain resets are keyed by their replaced hash too (recordKey): the caller parses them.
  assert.equal(scan(`{${REQ},"block_number":7,"metadata":{"n":"\\u00e9 \\"q\\""},"kind":"reorg"}`), KEY_UNKNOWN);
  assert.equal(scan(`{${REQ},"block_number":7,"metadata":{},"kind":"chain_reset"}`), KEY_UNKNOWN);
  assert.equal(scan(`{${REQ},"metadata":{}}`), KEY_NONE);
});
