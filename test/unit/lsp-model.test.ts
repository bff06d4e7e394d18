// The language server's pieces in-process (no JSON-RPC): escaping, time wording, value positions,
// the timestamp rules, and the limits that keep a huge log's answers a sensible size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeLenses } from '../../src/lsp/codeLens';
import { timestampProblems } from '../../src/lsp/consistency';
import { documentDiagnostics } from '../../src/lsp/diagnostics';
import { LogDocument, splitLines } from '../../src/lsp/documentModel';
import { markdownText, plainText } from '../../src/lsp/escape';
import { topLevelValueSpans } from '../../src/lsp/jsonSpans';
import { buildFull, builds, streakIndexOf, type StreakIndex } from '../../src/lsp/streakIndex';
import { documentSymbols } from '../../src/lsp/symbols';
import { duration, isoUtc, relative } from '../../src/lsp/time';
import type { MissedBlock } from '../../src/core/model';
import { safeText } from '../../src/node/consoleText';
import { lspRecord } from '../helpers/lspRecords';

const record = (block: number, ts: number, extra: Partial<MissedBlock> = {}): MissedBlock => lspRecord(block, ts, extra);

async function open(text: string): Promise<LogDocument> {
  const doc = new LogDocument('file:///t.mbl.jsonl', 1, text, () => {});
  await doc.whenParsed();
  return doc;
}

test('escape: plain text neutralises control and bidi characters exactly like the CLI, and cuts without splitting a pair', () => {
  assert.equal(plainText('a\u0007b\nc\u202ed\u2066e'), 'a?b?c?d?e');
  assert.equal(plainText('🚀🚀🚀', 3), '🚀…');
  assert.equal(plainText('short', 10), 'short');
  let all = '';
  for (let c = 0; c < 0x2100; c++) all += String.fromCharCode(c);
  assert.equal(plainText(all), safeText(all));
});

test('escape: Markdown escapes every ASCII punctuation character, so nothing from a record is syntax', () => {
  const hostile = '[x](command:evil) <b>&amp; `c` *e* _u_ # h | p ~s~ !img https://x.example';
  const md = markdownText(hostile);
  assert.equal(md.replace(/\\([!-/:-@[-`{-~])/g, '$1'), hostile);
  assert.doesNotMatch(md.replace(/\\[!-/:-@[-`{-~]/g, ''), /[!-/:-@[-`{-~]/, 'no punctuation left once the escapes are taken out');
});

test('time: UTC ISO to the second, two-unit durations, relative wording', () => {
  assert.equal(isoUtc(1640995200), '2022-01-01T00:00:00Z');
  assert.equal(isoUtc(1e20), '100000000000000000000');
  assert.deepEqual([0, 12, 72, 120, 3605, 3660, 93784].map(duration), ['0 s', '12 s', '1 min 12 s', '2 min', '1 h', '1 h 1 min', '1 d 2 h']);
  assert.equal(relative(100, 172), '1 min 12 s ago');
  assert.equal(relative(200, 100), 'in 1 min 40 s');
  assert.equal(relative(5, 5), 'now');
});

test('jsonSpans: top-level values only, strings with commas and braces, torn lines', () => {
  const line = '{"metadata":{"actual_timestamp":1,"s":"a, b}"},"actual_timestamp" : 42 ,"x":[1,{"y":2}]}';
  const spans = topLevelValueSpans(line);
  const at = (k: string) => line.slice(spans.get(k)!.start, spans.get(k)!.end);
  assert.equal(at('actual_timestamp'), '42');
  assert.equal(at('metadata'), '{"actual_timestamp":1,"s":"a, b}"}');
  assert.equal(at('x'), '[1,{"y":2}]');
  assert.deepEqual([...topLevelValueSpans('{"a":1,"b":"tor').keys()], ['a', 'b']);
  assert.equal(topLevelValueSpans('not json').size, 0);
});

test('consistency: one-clock and wrong-unit rules; two clocks seconds apart are not a defect', () => {
  assert.deepEqual(timestampProblems(record(1, 100)), []);
  assert.deepEqual(timestampProblems(record(1, 100, { actual_timestamp: 150 })), []); // arrival after detection is fine
  // The chain's clock 20 s ahead of the writer's (anvil mining ahead, a skipped slot): not flagged.
  assert.deepEqual(timestampProblems(record(1, 100, { expected_timestamp: 120, actual_timestamp: 110, kind: 'delayed' })), []);
  assert.deepEqual(timestampProblems(record(1, 100, { expected_timestamp: 100 + 86_400, actual_timestamp: 100 })), []);
  assert.deepEqual(
    timestampProblems(record(1, 100, { expected_timestamp: 100 + 86_401, actual_timestamp: 100, recovered_at: 90, kind: 'delayed' })).map((p) => p.field),
    ['actual_timestamp', 'timestamp', 'recovered_at'],
  );
});

test('documentModel: lines split as LSP counts them (\\r\\n, \\r, \\n)', () => {
  assert.deepEqual(splitLines('a\r\nb\rc\nd'), ['a', 'b', 'c', 'd']);
  assert.deepEqual(splitLines('a\n'), ['a', '']);
});

test('limits: diagnostics, outline and CodeLens are capped, and say so where it matters', async () => {
  const lines: string[] = [];
  for (let i = 0; i < 30; i++) lines.push(JSON.stringify(record(100 + i * 3, 1000 + i)), JSON.stringify(record(101 + i * 3, 1001 + i)), 'bad');
  const doc = await open(lines.join('\n'));
  const diags = documentDiagnostics(doc, 10);
  assert.equal(diags.length, 11);
  assert.match(diags[10].message, /^20 more problems from this line on are not shown \(limit 10\)/);
  assert.equal(documentDiagnostics(doc).length, 30);
  const symbols = documentSymbols(doc, 9);
  assert.deepEqual(symbols.map((s) => s.name), ['#100–#101 streak', '#103–#104 streak', '#106–#107 streak', '… 27 more streaks']);
  // 30 two-block streaks; with room for 4 lenses, the longest win (all equal here: the latest ones).
  const lenses = codeLenses(doc, 4);
  assert.deepEqual(lenses.map((l) => l.range.start.line), [78, 81, 84, 87]);
  assert.equal(codeLenses(doc).length, 30);
});

test('documentModel: a change during a sliced parse of a big document is applied in order', async () => {
  const many = Array.from({ length: 20_000 }, (_, i) => JSON.stringify(record(i * 2, 1000 + i))).join('\n');
  const doc = new LogDocument('file:///big.mbl.jsonl', 1, many, () => {});
  assert.ok(doc.pendingLines > 0, 'a 20,000-line document is not parsed in one slice');
  doc.applyChanges([{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: 'torn\n' }], 2);
  await doc.whenParsed();
  const s = doc.stats();
  // Line 0 was parsed by the first slice; the edit turned it into two lines, parsed again: 20,000 + 2.
  assert.deepEqual([s.lineCount, s.records, s.badLines, s.pendingLines, s.parsedLines], [20_001, 20_000, 1, 0, 20_002]);
});

/** Everything a feature can read from an index, for comparing two of them. */
function snapshot(doc: LogDocument, index: StreakIndex) {
  const lines = Array.from({ length: doc.lineCount + 1 }, (_, l) => [index.groupOfLine(l)?.streak.fromBlock ?? null, index.supersededBy(l) ?? null]);
  return { groups: index.groups.map((g) => ({ ...g.streak, lines: g.lines, worst: g.worst })), lines };
}

test('streak index: appends extend it (only touched streaks regrouped) and give exactly what a full build gives', async () => {
  // Seeded: bridging blocks, rewrites of old records, repeats inside one append, bad and blank lines.
  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const recs = Array.from({ length: 300 }, (_, i) => JSON.stringify(record(1000 + Math.floor(i * 1.6), 5000 + i, { severity: i % 7 === 0 ? 'Critical' : 'Medium' })));
  const doc = await open(`${recs.join('\n')}\n`);
  streakIndexOf(doc);
  const before = { ...builds };
  for (let v = 2; v < 42; v++) {
    const add: string[] = [];
    for (let k = 0; k < 1 + Math.floor(rand() * 6); k++) {
      const r = rand();
      if (r < 0.1) add.push('{"torn');
      else if (r < 0.15) add.push('');
      else {
        const block = 1000 + Math.floor(rand() * 520); // old blocks (rewrites), gaps (bridges) and new ones
        add.push(JSON.stringify(record(block, 6000 + v, { recovered: rand() < 0.5, severity: rand() < 0.2 ? 'Low' : 'High' })));
      }
    }
    const end = { line: doc.lineCount - 1, character: 0 };
    doc.applyChanges([{ range: { start: end, end }, text: `${add.join('\n')}\n` }], v);
    await doc.whenParsed();
    assert.deepEqual(snapshot(doc, streakIndexOf(doc)), snapshot(doc, buildFull(doc).index), `after append ${v}`);
  }
  assert.equal(builds.extended - before.extended, 40, 'every append took the short path');
  assert.equal(builds.full - before.full, 0);
  // An edit above the end is not an append: full rebuild, still right.
  doc.applyChanges([{ range: { start: { line: 5, character: 0 }, end: { line: 6, character: 0 } }, text: '' }], 99);
  await doc.whenParsed();
  assert.deepEqual(snapshot(doc, streakIndexOf(doc)), snapshot(doc, buildFull(doc).index));
  assert.equal(builds.full - before.full, 1);
});
