// Incremental parsing in the real language server: appends and edits re-parse only the lines they
// touch (read from the server's parse counter, missedBlocks/documentStats), a long run of random
// edits ends in exactly the state a fresh open of the same text gives, and 1,000 malformed lines
// are each diagnosed once with the server still answering.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic, type MarkupContent } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { startLspServer, type LspSession } from '../helpers/lspServer';
import { prng } from '../helpers/prng';
import { lspRecord } from '../helpers/lspRecords';

const fixtures = path.join(__dirname, '..', 'fixtures', 'lsp');
const read = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');
const streaks = read('streaks-and-rewrite.mbl.jsonl');
const bad = read('bad-lines-and-odd-timestamps.mbl.jsonl');
let n = 0;
const freshUri = (what: string) => pathToFileURL(path.join(fixtures, `${what}-${++n}.mbl.jsonl`)).href;

let lsp: LspSession;
before(async () => {
  lsp = await startLspServer();
});
after(async () => {
  await lsp.stop();
});

const record = (block: number, ts: number, extra: Record<string, unknown> = {}): string => JSON.stringify(lspRecord(block, ts, extra));

const errorLines = (ds: Diagnostic[]) => ds.filter((d) => d.severity === DiagnosticSeverity.Error).map((d) => d.range.start.line);

test('lsp incremental: an append parses only the appended lines, and the streak it extends updates', async () => {
  const uri = freshUri('append');
  lsp.open(uri, streaks, 1);
  await lsp.diagnostics(uri, 1);
  const opened = (await lsp.stats(uri))!;
  assert.equal(opened.lineCount, 11); // ten lines and the empty one after the last newline
  assert.equal(opened.parsedLines, 9); // the blank line is not parsed
  const end = { line: 10, character: 0 };
  lsp.change(uri, 2, [{ range: { start: end, end }, text: `${record(302, 1700000224)}\n{"torn":\n${record(303, 1700000236)}\n` }]);
  assert.deepEqual(errorLines(await lsp.diagnostics(uri, 2)), [11]);
  const appended = (await lsp.stats(uri))!;
  assert.equal(appended.parsedLines - opened.parsedLines, 3);
  assert.equal(appended.lineCount, 14);
  const lenses = await lsp.codeLens(uri);
  assert.deepEqual(lenses?.map((l) => l.command?.title), ['5 blocks · 1 min 12 s · 3 recovered', '4 blocks · 36 s · 1 recovered']);
  lsp.close(uri);
});

test('lsp incremental: a burst of 200 one-line appends parses 200 lines, no more', async () => {
  const uri = freshUri('burst');
  lsp.open(uri, streaks, 1);
  await lsp.diagnostics(uri, 1);
  const before = (await lsp.stats(uri))!.parsedLines;
  for (let i = 0; i < 200; i++) {
    const end = { line: 10 + i, character: 0 };
    lsp.change(uri, 2 + i, [{ range: { start: end, end }, text: `${record(1000 + i * 2, 1700001000 + i)}\n` }]);
  }
  assert.deepEqual(await lsp.diagnostics(uri, 201), []);
  const s = (await lsp.stats(uri))!;
  assert.equal(s.parsedLines - before, 200);
  assert.equal(s.records, 209);
  lsp.close(uri);
});

test('lsp incremental: editing inside one line re-parses that line only, both ways', async () => {
  const uri = freshUri('edit');
  lsp.open(uri, streaks, 1);
  await lsp.diagnostics(uri, 1);
  const line3 = streaks.split('\n')[3];
  const at = line3.indexOf('"Medium"') + 1;
  const range = { start: { line: 3, character: at }, end: { line: 3, character: at + 'Medium'.length } };
  const before = (await lsp.stats(uri))!.parsedLines;
  lsp.change(uri, 2, [{ range, text: 'Mild' }]);
  const ds = await lsp.diagnostics(uri, 2);
  assert.deepEqual(errorLines(ds), [3]);
  assert.match(ds[0].message, /^severity: must be one of Low, Medium, High, Critical \(got "Mild"\)$/);
  lsp.change(uri, 3, [{ range: { start: range.start, end: { line: 3, character: at + 4 } }, text: 'Medium' }]);
  assert.deepEqual(await lsp.diagnostics(uri, 3), []);
  assert.equal((await lsp.stats(uri))!.parsedLines - before, 2);
  lsp.close(uri);
});


test('lsp incremental: 60 random edits (inserts, deletes across lines, CRLF, several per message) end where a fresh open of the text does', async () => {
  const rand = prng(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const pieces = [record(500, 1700000500), record(501, 1700000512, { recovered: true }), '{"torn', '\n', '\r\n', '', 'x', `${record(502, 1700000524)}\n`, '"High"', '}'];
  const uri = freshUri('random');
  const local = TextDocument.create(uri, 'missed-block-log', 1, streaks + bad);
  lsp.open(uri, local.getText(), 1);
  for (let v = 2; v <= 61; v++) {
    const changes = [];
    for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
      const len = local.getText().length;
      const a = Math.floor(rand() * (len + 1));
      const b = Math.min(len, a + Math.floor(rand() * (rand() < 0.3 ? 400 : 20)));
      const change = { range: { start: local.positionAt(a), end: local.positionAt(b) }, text: pick(pieces) };
      TextDocument.update(local, [change], v); // each change applies to the text the previous one left
      changes.push(change);
    }
    lsp.change(uri, v, changes);
  }
  const edited = await lsp.diagnostics(uri, 61);
  const freshly = freshUri('oracle');
  lsp.open(freshly, local.getText(), 1);
  const expected = await lsp.diagnostics(freshly, 1);
  assert.deepEqual(edited, expected);
  const [s1, s2] = [(await lsp.stats(uri))!, (await lsp.stats(freshly))!];
  assert.deepEqual([s1.lineCount, s1.records, s1.badLines, s1.warnings], [s2.lineCount, s2.records, s2.badLines, s2.warnings]);
  assert.deepEqual(await lsp.symbols(uri), await lsp.symbols(freshly));
  assert.deepEqual(await lsp.codeLens(uri), await lsp.codeLens(freshly));
  lsp.close(uri);
  lsp.close(freshly);
});

test('lsp incremental: 1,000 malformed lines are each diagnosed exactly once and the server keeps answering', async () => {
  const good = record(42, 1700000000);
  const variants = [
    (i: number) => `{"timestamp":${i},`, // torn
    (i: number) => good.replace('"High"', `"Sev${i}"`), // bad enum
    () => good.replace('"metadata":{},', ''), // missing field
    (i: number) => `garbage ${i} <b>`, // not JSON
    (i: number) => `[${i}]`, // not an object
    (i: number) => good.replace('"timestamp":1700000000', `"timestamp":"${i}"`), // wrong type
    () => `{"a":1}\u0000`, // NUL byte
  ];
  const lines: string[] = [];
  const badLines: number[] = [];
  for (let i = 0; i < 1000; i++) {
    if (i % 10 === 0) lines.push(record(10_000 + i, 1700000000 + i));
    badLines.push(lines.length);
    lines.push(variants[i % variants.length](i));
  }
  const uri = freshUri('thousand');
  lsp.open(uri, `${lines.join('\n')}\n`, 1);
  const ds = await lsp.diagnostics(uri, 1);
  const errs = errorLines(ds);
  assert.equal(errs.length, 1000);
  assert.equal(new Set(errs).size, 1000, 'no line diagnosed twice');
  assert.deepEqual(errs, badLines);
  assert.ok(lsp.alive);
  const s = (await lsp.stats(uri))!;
  assert.deepEqual([s.badLines, s.records], [1000, 100]);
  const h = await lsp.hover(uri, 0);
  assert.match((h!.contents as MarkupContent).value, /Block 10000/);
  // And it stays incremental with them: one more bad line appended, one more parse, 1,001 errors.
  const end = { line: lines.length, character: 0 };
  lsp.change(uri, 2, [{ range: { start: end, end }, text: 'one more\n' }]);
  assert.equal(errorLines(await lsp.diagnostics(uri, 2)).length, 1001);
  assert.equal((await lsp.stats(uri))!.parsedLines, 1101);
  lsp.close(uri);
});

test('lsp incremental: CRLF line endings and a BOM read like LF ones (same problems, same positions)', async () => {
  const lf = freshUri('lf');
  const crlf = freshUri('crlf');
  lsp.open(lf, bad, 1);
  lsp.open(crlf, `\ufeff${bad.replace(/\n/g, '\r\n')}`, 1);
  const [a, b] = [await lsp.diagnostics(lf, 1), await lsp.diagnostics(crlf, 1)];
  assert.deepEqual(b, a);
  assert.ok(b.every((d) => !d.message.includes('\r')));
  lsp.close(lf);
  lsp.close(crlf);
});
