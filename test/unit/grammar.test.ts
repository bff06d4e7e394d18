// The TextMate grammar, driven by the same engine VS Code uses (vscode-textmate + the oniguruma
// WASM build), in plain Node: each fixture line is tokenized with the state the previous line left,
// exactly as the editor does, and the scopes of named tokens are asserted.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import * as vsctm from 'vscode-textmate';

const root = path.join(__dirname, '..', '..');
const grammarPath = path.join(root, 'syntaxes', 'missed-block-log.tmLanguage.json');
const fixtures = path.join(root, 'test', 'fixtures', 'grammar');
const SCOPE = 'source.missed-block-log';

interface Token {
  text: string;
  scopes: string[];
}
type Line = { text: string; tokens: Token[] };

let grammar: vsctm.IGrammar;

before(async () => {
  const wasm = readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources: string[]) => new oniguruma.OnigScanner(sources),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName: string) => (scopeName === SCOPE ? vsctm.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath) : null),
  });
  const g = await registry.loadGrammar(SCOPE);
  assert.ok(g, 'grammar loads');
  grammar = g;
});

function tokenize(text: string): Line[] {
  let state = vsctm.INITIAL;
  return text.split(/\r?\n/).map((line) => {
    const r = grammar.tokenizeLine(line, state);
    state = r.ruleStack;
    return { text: line, tokens: r.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes })) };
  });
}

const fixture = (name: string) => tokenize(readFileSync(path.join(fixtures, name), 'utf8'));

/** The scopes of the token that is exactly `needle` (its `nth` occurrence on the line). */
function scopesOf(line: Line, needle: string, nth = 0): string[] {
  let at = -1;
  for (let i = 0; i <= nth; i++) at = line.text.indexOf(needle, at + 1);
  assert.ok(at >= 0, `${needle} not on line: ${line.text}`);
  let pos = 0;
  for (const t of line.tokens) {
    if (pos === at) {
      assert.equal(t.text, needle, `token at ${needle} is ${JSON.stringify(t.text)} (${t.scopes.join(' ')})`);
      return t.scopes;
    }
    pos += t.text.length;
  }
  assert.fail(`no token starts at ${needle} on: ${line.text}`);
}

const innermost = (line: Line, needle: string, nth = 0) => scopesOf(line, needle, nth).at(-1);

test('grammar: the four severities get four different theme-coloured scopes', () => {
  const lines = fixture('severities-reasons-kinds.mbl.jsonl');
  const got = ['"Critical"', '"High"', '"Medium"', '"Low"'].map((s, i) => innermost(lines[i], s));
  assert.deepEqual(got, [
    'invalid.illegal.severity.critical.mbl',
    'keyword.control.severity.high.mbl',
    'entity.name.function.severity.medium.mbl',
    'comment.severity.low.mbl',
  ]);
  // The first segment is what themes match on: four different ones.
  assert.equal(new Set(got.map((s) => s?.split('.')[0] + '.' + s?.split('.')[1])).size, 4);
});

test('grammar: reasons and kinds carry their own name; keys, numbers, timestamps, booleans, null, hashes are scoped', () => {
  const [l0, l1, l2, l3] = fixture('severities-reasons-kinds.mbl.jsonl');
  assert.equal(innermost(l0, '"ConnectionLost"'), 'entity.name.type.reason.connectionlost.mbl');
  assert.equal(innermost(l1, '"ChainReorg"'), 'entity.name.type.reason.chainreorg.mbl');
  assert.equal(innermost(l2, '"NetworkLatency"'), 'entity.name.type.reason.networklatency.mbl');
  assert.equal(innermost(l0, '"gap"'), 'entity.name.tag.kind.gap.mbl');
  assert.equal(innermost(l3, '"missed_slot"'), 'entity.name.tag.kind.missed_slot.mbl');
  assert.equal(innermost(l0, '"block_number"'), 'support.type.property-name.mbl');
  assert.equal(innermost(l0, '100'), 'constant.numeric.integer.block-number.mbl');
  assert.equal(innermost(l0, '1700000000'), 'constant.numeric.integer.timestamp.mbl');
  assert.equal(innermost(l0, '1699999990'), 'constant.numeric.integer.timestamp.mbl');
  assert.equal(innermost(l0, '3'), 'constant.numeric.mbl');
  assert.equal(innermost(l0, 'true'), 'constant.language.boolean.true.mbl');
  assert.equal(innermost(l0, 'false'), 'constant.language.boolean.false.mbl');
  assert.equal(innermost(l2, 'null'), 'constant.language.null.mbl');
  assert.equal(innermost(l2, '36.5'), 'constant.numeric.mbl');
  assert.equal(innermost(l1, '"0xABCDEFabcdef0000000000000000000000000000000000000000000000000001"'), 'constant.numeric.hex.hash.mbl');
  assert.equal(innermost(l1, '"0x1111111111111111111111111111111111111111111111111111111111111111"'), 'constant.numeric.hex.hash.mbl');
  assert.ok(scopesOf(l0, '{', 0).includes('punctuation.definition.dictionary.begin.mbl'));
  assert.ok(l0.tokens.every((t) => t.scopes.includes('meta.record.mbl')), 'the whole record line is one meta.record');
});

test('grammar: metadata is free text — a "severity" or "reason" inside it is not coloured as one; escapes are', () => {
  const l3 = fixture('severities-reasons-kinds.mbl.jsonl')[3];
  // The first "severity" is the record's own; the second is a key inside metadata.
  assert.equal(innermost(l3, 'Critical'), 'string.quoted.double.mbl');
  assert.ok(!scopesOf(l3, '"severity"', 0).includes('meta.structure.dictionary.mbl'));
  assert.ok(scopesOf(l3, '"severity"', 1).includes('meta.structure.dictionary.mbl'));
  assert.equal(innermost(l3, 'Timeout'), 'string.quoted.double.mbl');
  assert.equal(innermost(l3, '"Low"'), 'comment.severity.low.mbl');
  assert.equal(innermost(l3, '\\"'), 'constant.character.escape.mbl');
  assert.equal(innermost(l3, '\\u00e9'), 'constant.character.escape.mbl');
  assert.deepEqual(scopesOf(l3, 'two'), [SCOPE, 'meta.record.mbl', 'meta.structure.dictionary.mbl', 'meta.structure.array.mbl', 'string.quoted.double.mbl']);
});

test('grammar: a torn or non-JSON line is contained to its own line; every following record tokenizes normally', () => {
  const lines = fixture('torn-and-non-json-lines.mbl.jsonl');
  // 0: torn inside a string inside metadata → the next line is a fresh record.
  assert.ok(scopesOf(lines[0], 'torn here').includes('string.quoted.double.mbl'));
  assert.deepEqual(scopesOf(lines[1], '{'), [SCOPE, 'meta.record.mbl', 'punctuation.definition.dictionary.begin.mbl']);
  assert.equal(innermost(lines[1], '"Critical"'), 'invalid.illegal.severity.critical.mbl');
  // 2: not JSON: the whole line is one invalid token, and its "Critical" is not a severity.
  assert.deepEqual(lines[2].tokens.map((t) => t.scopes.at(-1)), ['invalid.illegal.not-a-record.mbl']);
  assert.equal(innermost(lines[3], '"Low"'), 'comment.severity.low.mbl');
  // 3: torn three levels deep → line 4 still starts at the root.
  assert.deepEqual(scopesOf(lines[4], '{'), [SCOPE, 'meta.record.mbl', 'punctuation.definition.dictionary.begin.mbl']);
  assert.equal(innermost(lines[4], '"Medium"'), 'entity.name.function.severity.medium.mbl');
  assert.equal(innermost(lines[4], 'trailing junk'), 'invalid.illegal.not-a-record.mbl');
  // 5: JSON but not an object; 6: unknown severity and a bare word.
  assert.equal(innermost(lines[5], '[1,2,3]'), 'invalid.illegal.not-a-record.mbl');
  assert.equal(innermost(lines[6], 'Huge'), 'string.quoted.double.mbl');
  assert.equal(innermost(lines[6], 'tru'), 'invalid.illegal.unexpected.mbl');
  assert.equal(innermost(lines[7], '"InvalidBlock"'), 'entity.name.type.reason.invalidblock.mbl');
  assert.equal(innermost(lines[7], '"Low"'), 'comment.severity.low.mbl');
});

test('grammar: every line, torn or not, ends back in the root state (nothing spills into the next line)', () => {
  const lines = ['severities-reasons-kinds.mbl.jsonl', 'torn-and-non-json-lines.mbl.jsonl'].flatMap((f) =>
    readFileSync(path.join(fixtures, f), 'utf8').split('\n'),
  );
  lines.push('{"timestamp":1,"metadata":{"a":[{"b":"unterminated \\', '{', '"', '[[[[{{{{', '}}}]]]');
  const root = grammar.tokenizeLine('', vsctm.INITIAL).ruleStack;
  for (const line of lines) {
    const end = grammar.tokenizeLine(line, root).ruleStack;
    assert.ok(end.equals(root), `state left open after: ${line}`);
  }
});

test('grammar: a missed expected transaction (kind tx_missed) and its reason carry their names', () => {
  const [line] = tokenize(
    `{"timestamp":1700000100,"block_number":7,"reason":"NonceMismatch","severity":"High","expected_timestamp":1700000088,"actual_timestamp":1700000100,"recovery_attempts":0,"recovered":false,"metadata":{"tx_hash":"0x${'ab'.repeat(32)}"},"alert_sent":false,"kind":"tx_missed"}`,
  );
  assert.equal(innermost(line, '"tx_missed"'), 'entity.name.tag.kind.tx_missed.mbl');
  assert.equal(innermost(line, '"NonceMismatch"'), 'entity.name.type.reason.noncemismatch.mbl');
});
