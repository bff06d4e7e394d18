// The language server's features on fixture logs, through the real server process and a real
// JSON-RPC client (test/helpers/lspServer.ts): diagnostics (worded as `mbm validate` words them),
// timestamp warnings, hover, outline, folding and CodeLens grouped by computeStreaks, escaping.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type DocumentSymbol, type MarkupContent } from 'vscode-languageserver-protocol';
import { runValidate } from '../../src/cli/commands/validate';
import { SERVER_BUNDLE, startLspServer, type LspSession } from '../helpers/lspServer';

const fixtures = path.join(__dirname, '..', 'fixtures', 'lsp');
const fixture = (name: string) => {
  const file = path.join(fixtures, name);
  return { file, uri: pathToFileURL(file).href, text: readFileSync(file, 'utf8') };
};
/** What a reader sees in rendered Markdown: backslash escapes removed. */
const visible = (md: string) => md.replace(/\\([!-/:-@[-`{-~])/g, '$1');

let lsp: LspSession;
before(async () => {
  lsp = await startLspServer();
});
after(async () => {
  await lsp.stop();
});

/** `mbm validate` on a file, as line → { column, message }. */
async function validateOutput(file: string): Promise<Map<number, { column?: number; message: string }>> {
  let out = '';
  const sink = (keep: boolean) =>
    new Writable({
      write(c, _e, cb) {
        if (keep) out += c.toString();
        cb();
      },
    });
  assert.equal(await runValidate([file], { stdout: sink(true), stderr: sink(false), color: false, stderrIsTTY: false }), 1);
  const byLine = new Map<number, { column?: number; message: string }>();
  for (const l of out.trimEnd().split('\n')) {
    const m = /^.*?:(\d+)(?::(\d+))?: (.*)$/.exec(l.slice(file.length));
    assert.ok(m, l);
    byLine.set(Number(m[1]), { column: m[2] ? Number(m[2]) : undefined, message: m[3] });
  }
  return byLine;
}

test('lsp: every bad line gets one error, same line, column and message as `mbm validate`', async () => {
  const { file, uri, text } = fixture('bad-lines-and-odd-timestamps.mbl.jsonl');
  lsp.open(uri, text);
  const errors = (await lsp.diagnostics(uri, 1)).filter((d) => d.severity === DiagnosticSeverity.Error);
  const expected = await validateOutput(file);
  assert.equal(errors.length, expected.size);
  assert.equal(expected.size, 8, 'the fixture has eight bad lines');
  for (const d of errors) {
    const want = expected.get(d.range.start.line + 1);
    assert.ok(want, `line ${d.range.start.line + 1} is not bad for mbm validate`);
    assert.equal(d.message, want.message);
    assert.equal(d.source, 'mbm');
    if (want.column !== undefined) assert.equal(d.range.start.character + 1, want.column);
  }
  // A schema problem about one field underlines that field's value.
  const lines = text.split('\n');
  const huge = errors.find((d) => d.message.startsWith('severity:'))!;
  assert.equal(lines[huge.range.start.line].slice(huge.range.start.character, huge.range.end.character), '"Huge"');
  const alert = errors.find((d) => d.message.startsWith('alert_sent:'))!;
  assert.equal(lines[alert.range.start.line].slice(alert.range.start.character, alert.range.end.character), '"no"');
  lsp.close(uri);
});

test('lsp: contradictory timestamps are warnings on the offending value; records whose clocks merely differ get none', async () => {
  const { uri, text } = fixture('bad-lines-and-odd-timestamps.mbl.jsonl');
  lsp.open(uri, text, 1);
  const warnings = (await lsp.diagnostics(uri, 1)).filter((d) => d.severity === DiagnosticSeverity.Warning);
  const lines = text.split('\n');
  const at = (d: (typeof warnings)[number]) => lines[d.range.start.line].slice(d.range.start.character, d.range.end.character);
  assert.deepEqual(
    warnings.map((d) => [d.range.start.line, d.code, at(d), d.message.split(':')[0]]),
    [
      // expected_timestamp in milliseconds: both wall-clock fields are "before" it by 53 years.
      [8, 'inconsistent-timestamps', '1699999970', 'actual_timestamp is 1698300000030 s before expected_timestamp'],
      [8, 'inconsistent-timestamps', '1700000000', 'timestamp is 1698300000000 s before expected_timestamp'],
      // Line 9's timestamp is 60 s before expected_timestamp: two clocks, no warning; recovered_at is one clock.
      [9, 'inconsistent-timestamps', '1699999995', 'recovered_at is 5 s before timestamp'],
    ],
  );
  assert.match(warnings[0].message, /wrong unit or zone/);
  lsp.close(uri);
});

test('lsp: a log the monitor wrote (mbm demo against anvil: missed slots, reorgs, delays, gaps) opens with zero diagnostics', async () => {
  // demo-run.mbl.jsonl is a 75 s `mbm demo` log, copied as written: 29 lines whose detection times
  // (the host's clock) are 1–2 s before the chain's expected times, which drew 20 warnings before.
  const { file, uri, text } = fixture('demo-run.mbl.jsonl');
  assert.equal(text.trim().split('\n').length, 29);
  lsp.open(uri, text);
  assert.deepEqual(await lsp.diagnostics(uri, 1), []);
  let out = '';
  const sink = new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) });
  assert.equal(await runValidate([file], { stdout: sink, stderr: sink, color: false, stderrIsTTY: false }), 0, out);
  lsp.close(uri);
});

test('lsp: hover shows block, kind, reason, severity, UTC and relative times, delay, recovery and the streak', async () => {
  const { uri, text } = fixture('streaks-and-rewrite.mbl.jsonl');
  lsp.open(uri, text);
  const h = await lsp.hover(uri, 2);
  assert.ok(h);
  const md = (h.contents as MarkupContent).value;
  const v = visible(md);
  assert.equal((h.contents as MarkupContent).kind, 'markdown');
  assert.match(v, /\*\*Block 102\*\* · gap · ConnectionLost · \*\*High\*\*/);
  assert.match(v, /\| detected \| 2023-11-14T22:13:44Z · \d+ (d|h|min|s)( \d+ \w+)? ago \|/);
  assert.match(v, /\| expected \| 2023-11-14T22:13:34Z · /);
  assert.match(v, /\| delay \| 10 s after expected \(10 s\) \|/);
  assert.match(v, /\| recovery \| recovered at 2023-11-14T22:14:00Z in 16 s · 1 attempt \|/);
  assert.match(v, /\| streak \| #100–#104 · 5 blocks · 1 min 12 s · 3 recovered · worst Critical · record 2 of 5 · lines 2–8 \|/);
  // Blank and missing lines have no hover.
  assert.equal(await lsp.hover(uri, 4), null);
  assert.equal(await lsp.hover(uri, 99), null);
  // A line that a later record of the same (block, kind) replaces says so.
  const old = visible(((await lsp.hover(uri, 0))!.contents as MarkupContent).value);
  assert.match(old, /Superseded by line 8/);
  assert.match(old, /\| streak \| #100–#104 · 5 blocks .* record 5 of 5/);
  lsp.close(uri);
});

test('lsp: outline groups records by streak; a lone record stands alone', async () => {
  const { uri, text } = fixture('streaks-and-rewrite.mbl.jsonl');
  lsp.open(uri, text);
  const symbols = (await lsp.symbols(uri)) as DocumentSymbol[];
  assert.deepEqual(
    symbols.map((s) => [s.name, s.detail, s.range.start.line, s.range.end.line, s.children?.map((c) => `${c.name}@${c.range.start.line}`)]),
    [
      ['#100–#104 streak', '5 blocks · 1 min 12 s · 3 recovered · worst Critical', 1, 7, ['#101 gap@1', '#102 gap@2', '#103 delayed@3', '#104 missed_slot@5', '#100 gap@7']],
      ['#200 reorg', 'ChainReorg · Medium', 6, 6, undefined],
      ['#300–#301 streak', '2 blocks · 12 s · 1 recovered · worst High', 8, 9, ['#300 gap@8', '#301 gap@9']],
    ],
  );
  lsp.close(uri);
});

test('lsp: adjacent lines of one streak fold (a blank line inside does not break the run); CodeLens summarises each streak of two or more', async () => {
  const { uri, text } = fixture('streaks-and-rewrite.mbl.jsonl');
  lsp.open(uri, text);
  const folds = await lsp.folding(uri);
  assert.deepEqual(
    folds?.map((f) => [f.startLine, f.endLine]),
    [
      [0, 5],
      [8, 9],
    ],
  );
  const lenses = await lsp.codeLens(uri);
  assert.deepEqual(
    lenses?.map((l) => [l.range.start.line, l.command?.title]),
    [
      [1, '5 blocks · 1 min 12 s · 3 recovered'],
      [8, '2 blocks · 12 s · 1 recovered'],
    ],
  );
  lsp.close(uri);
});

test('lsp: hostile metadata and source are rendered as inert text in the hover', async () => {
  const { uri, text } = fixture('hostile-metadata.mbl.jsonl');
  lsp.open(uri, text);
  const md = ((await lsp.hover(uri, 0))!.contents as MarkupContent).value;
  // No unescaped Markdown or HTML syntax survives: every ASCII punctuation from the record is escaped.
  const unescaped = (s: string) => md.split(s).slice(0, -1).some((before) => !before.endsWith('\\'));
  for (const bad of ['](', '<img', '**bold**', '`code`', 'https://', '\n# heading', '\u202e', '\u0007', '[k]']) {
    assert.ok(!unescaped(bad), `hover contains raw ${JSON.stringify(bad)}`);
  }
  const v = visible(md);
  assert.match(v, /\| note \| \[click\]\(command:workbench\.action\.terminal\.new\) <img src=x onerror=alert\(1\)> \*\*bold\*\* `code` \| pipe\?# heading \|/);
  assert.match(v, /\| link \| https:\/\/evil\.example\/x \|/);
  assert.match(v, /\| source \| ws-\?txt\.exe\? \|/);
  // Each metadata row is still exactly one table row: the pipe in the value is escaped.
  assert.equal(md.split('\n').filter((l) => l.startsWith('| note')).length, 1);
  assert.ok(md.includes('\\| pipe'));
  lsp.close(uri);
});

test('lsp: the shipped bundle dist/server.js starts and answers over IPC', async (t) => {
  if (!existsSync(SERVER_BUNDLE)) return t.skip('dist/server.js not built (npm run build)');
  const bundled = await startLspServer({ bundle: true });
  try {
    const { uri, text } = fixture('streaks-and-rewrite.mbl.jsonl');
    bundled.open(uri, text);
    assert.deepEqual(await bundled.diagnostics(uri, 1), []);
    assert.equal((await bundled.codeLens(uri))?.length, 2);
  } finally {
    await bundled.stop();
  }
});
