// Fuzz: 10,000 generated malformed lines (seeded, reproducible: MBM_FUZZ_SEED=<seed> replays a
// run) interleaved with valid ones, fed to the three readers of a log: the core reader, `mbm
// validate` as a real child process and the real language server over IPC. None may crash; each
// reports exactly one problem per bad line, on the line the generator broke; every valid line is
// still read; and the three agree line by line (test/reliability/gen/malformed.ts says how the
// ground truth is made without asking the code under test).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DiagnosticSeverity, type Diagnostic, type MarkupContent } from 'vscode-languageserver-protocol';
import { readLog, type BadLine } from '../../src/node/log/reader';
import { cliArgs, ROOT } from '../helpers/cli';
import { startLspServer, type LspSession } from '../helpers/lspServer';
import { MAX_DIAGNOSTICS } from '../../src/lsp/diagnostics';
import { parseLogLine } from '../../src/node/log/validate';
import { recordTooltip, type TreeOptions } from '../../src/extension/model/treeModel';
import { entriesOf } from '../helpers/extensionRecords';
import { fuzzSeed, generate, type Generated } from './gen/malformed';

const MUTATED = 10_000;
const VALID = 5_000;
const seed = fuzzSeed();
console.log(`fuzz seed ${seed} (replay with MBM_FUZZ_SEED=${seed})`);

let gen: Generated;
let dir: string;
let file: string;
let lsp: LspSession | undefined;
/** 1-based reader line numbers of the bad and the valid lines: the ground truth. */
let badLines: number[];
let validLines: number[];
/** `mbm validate`'s report: line → { column, message } (filled by the validate test, used by the LSP test). */
const validateReport = new Map<number, { column?: number; message: string }>();

before(() => {
  gen = generate({ seed, mutated: MUTATED, valid: VALID });
  dir = mkdtempSync(path.join(tmpdir(), 'mbm-fuzz-'));
  file = path.join(dir, 'fuzz.mbl.jsonl');
  writeFileSync(file, gen.file);
  badLines = [];
  validLines = [];
  gen.lines.forEach((l, i) => (l.verdict === 'bad' ? badLines : l.verdict === 'valid' ? validLines : []).push(i + 1));
  const kinds = new Map<string, number>();
  for (const l of gen.lines) kinds.set(l.kind, (kinds.get(l.kind) ?? 0) + 1);
  console.log(`fuzz: ${gen.lines.length} lines (${MUTATED} mutated), ${badLines.length} bad, ${validLines.length} valid, ${gen.file.length} bytes; mutations ${JSON.stringify(Object.fromEntries(kinds))}`);
});

after(async () => {
  await lsp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('fuzz: the generator is reproducible from its seed and its bad lines really are bad', () => {
  const again = generate({ seed, mutated: MUTATED, valid: VALID });
  assert.ok(again.file.equals(gen.file), 'same seed, same bytes');
  const other = generate({ seed: (seed + 1) >>> 0, mutated: 200, valid: 100 });
  assert.ok(!other.file.equals(generate({ seed, mutated: 200, valid: 100 }).file), 'another seed, other bytes');
  // Enough of each to mean something, and the random mutations sometimes stay valid.
  assert.ok(badLines.length > MUTATED * 0.75, `${badLines.length} bad lines`);
  assert.ok(validLines.length >= VALID, `${validLines.length} valid lines`);
  for (const k of ['truncate', 'bitFlip', 'invalidUtf8', 'nul', 'crInString', 'bomMidFile', 'duplicateKey', 'deepNestingBad', 'notAnObject']) {
    assert.ok(gen.lines.some((l) => l.kind === k), `mutation ${k} is in the mix`);
  }
  assert.ok(gen.lines.some((l) => l.kind === 'bitFlip' && l.verdict === 'valid'), 'a bit flip that stayed valid counts as valid');
  // Independent spot checks of the ground truth, not through the generator's own checker.
  for (const [i, l] of gen.lines.entries()) {
    if (l.kind === 'truncate') assert.throws(() => JSON.parse(l.bytes.toString('utf8')), `line ${i + 1}`);
    if (l.kind === 'invalidUtf8') assert.throws(() => new TextDecoder('utf-8', { fatal: true }).decode(l.bytes), `line ${i + 1}`);
    if (l.kind === 'nul') assert.ok(l.bytes.includes(0), `line ${i + 1}`);
  }
});

test('fuzz: found by fuzzing: deep nesting and 1e400 are reported as bad lines, never thrown; deep metadata renders', () => {
  const rec = { timestamp: 1700000000, block_number: 7, reason: 'Unknown', severity: 'High', expected_timestamp: 1700000000, actual_timestamp: 1700000000, recovery_attempts: 0, recovered: false, metadata: {}, alert_sent: false };
  const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  // A wrong value nested 20,000 deep: its quote in the message used to overflow JSON.stringify.
  const p = parseLogLine(JSON.stringify(rec).replace('"recovered":false', `"recovered":${deep}`));
  assert.equal(p.ok, false);
  assert.match(!p.ok ? p.message : '', /^recovered: must be boolean \(got a deeply nested array\)$/);
  // 1e400 parses to Infinity, which ajv counts as an integer ≥ 0, and JSON writes back as null.
  const inf = parseLogLine(JSON.stringify(rec).replace('"block_number":7', '"block_number":1e400'));
  assert.deepEqual(inf, { ok: false, message: 'block_number: must be a finite number (the value is too large to hold)' });
  assert.equal(parseLogLine(JSON.stringify(rec).replace('"block_number":7', '"block_number":1e20')).ok, true, 'a large finite integer stays valid');
  // Messages never hold half a surrogate pair (V8 quotes one in JSON errors; a cut preview could).
  const lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
  const torn = parseLogLine(JSON.stringify(rec).replace('"metadata":{}', '"metadata":{"a":"😀"😀}'));
  assert.ok(!torn.ok && !lone.test(torn.message), !torn.ok ? torn.message : '');
  const cut = parseLogLine(JSON.stringify({ ...rec, reason: `R${'😀'.repeat(100)}` }));
  assert.ok(!cut.ok && !lone.test(cut.message) && cut.message.includes('😀'), !cut.ok ? cut.message : '');
  // Deep metadata is valid; the tree tooltip (and the hover, below) must still render it.
  const meta = parseLogLine(JSON.stringify(rec).replace('"metadata":{}', `"metadata":{"deep":${deep}}`));
  assert.ok(meta.ok);
  const [entry] = entriesOf('/x.jsonl', [meta.record]);
  const tip = recordTooltip(entry, { alertThreshold: 5, restricted: false } satisfies TreeOptions);
  assert.match(tip, /deep: \[…\]/);
});

test('fuzz: the core reader reports each bad line once, on its line, and reads every valid one (plain and gzip)', async () => {
  for (const f of [file, `${file}.gz`]) {
    if (f.endsWith('.gz')) writeFileSync(f, gzipSync(gen.file));
    const bad: BadLine[] = [];
    const read: number[] = [];
    for await (const e of readLog(f, { collapse: false, siblings: false, onBadLine: (b) => bad.push(b) })) read.push(e.line);
    assert.deepEqual(
      bad.map((b) => b.line),
      badLines,
      `${path.basename(f)}: bad lines`,
    );
    assert.ok(bad.every((b) => b.message.length > 0));
    assert.deepEqual(read, validLines, `${path.basename(f)}: valid lines read`);
  }
  // Collapsing (the default) reads the same file without trouble and keeps only valid lines.
  const valid = new Set(validLines);
  let n = 0;
  for await (const e of readLog(file, { siblings: false })) {
    assert.ok(valid.has(e.line), `line ${e.line} is not a valid line`);
    n++;
  }
  assert.ok(n > 0 && n <= validLines.length);
});

/** Runs `mbm` as a child process, bounded. */
function mbm(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliArgs(), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('fuzz: `mbm validate` (child process) prints one FILE:LINE per bad line, exits 1, and counts the valid records', async () => {
  const { code, stdout, stderr } = await mbm(['validate', file]);
  assert.equal(code, 1, stderr);
  const out = stdout.trimEnd().split('\n');
  for (const l of out) {
    assert.ok(l.startsWith(`${file}:`), l.slice(0, 200));
    const m = /^:(\d+)(?::(\d+))?: (.+)$/.exec(l.slice(file.length));
    assert.ok(m, l.slice(0, 200));
    const line = Number(m[1]);
    assert.ok(!validateReport.has(line), `line ${line} reported twice`);
    validateReport.set(line, { column: m[2] ? Number(m[2]) : undefined, message: m[3] });
  }
  assert.deepEqual([...validateReport.keys()], badLines);
  assert.match(stderr, new RegExp(`1 file, ${validLines.length} valid records, ${badLines.length} bad lines`));
  // Printed messages carry no raw control or bidi characters from the lines they quote.
  // eslint-disable-next-line no-control-regex
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/.test(stdout), 'no raw control characters in the output');
});

/** Where each generator line starts among the editor's lines (a lone CR makes two). */
function editorLineStarts(from = 0, to = gen.lines.length): number[] {
  const starts: number[] = [];
  let n = 0;
  for (let i = from; i < to; i++) {
    starts.push(n);
    n += gen.lines[i].editorLines.length;
  }
  return starts;
}

/** The editor lines (0-based, within lines [from, to)) that must carry an error. */
function expectedEditorErrors(from = 0, to = gen.lines.length): number[] {
  const starts = editorLineStarts(from, to);
  const out: number[] = [];
  for (let i = from; i < to; i++) gen.lines[i].editorLines.forEach((v, k) => v === 'bad' && out.push(starts[i - from] + k));
  return out;
}

function textOf(from: number, to: number): string {
  const parts: Buffer[] = [];
  for (let i = from; i < to; i++) parts.push(gen.lines[i].bytes, Buffer.from('\n'));
  // What an editor holds after decoding the file: bad UTF-8 becomes U+FFFD.
  return Buffer.concat(parts).toString('utf8');
}

const CHUNK = 2_500;

test('fuzz: the language server (real process) gives one error per bad line, capped per document, and agrees with `mbm validate`', async () => {
  // The shipped bundle when it is up to date, else the sources (as the CLI helper decides).
  const bundle = cliArgs()[0].endsWith(path.join('dist', 'cli.js'));
  lsp = await startLspServer({ bundle });
  const errorsOf = (ds: Diagnostic[]) => ds.filter((d) => d.severity === DiagnosticSeverity.Error);

  // 1. Documents under the cap: every problem is there.
  const all: Diagnostic[] = [];
  let totalBadEditorLines = 0;
  // A BOM opening a document is the file's byte-order mark, not part of its first line, so no chunk
  // may start on a mid-file BOM line (bad in the file, good as a chunk's first line).
  const bounds = [0];
  for (let next = CHUNK; next < gen.lines.length; next = bounds[bounds.length - 1] + CHUNK) {
    while (gen.lines[next].kind === 'bomMidFile') next--;
    bounds.push(next);
  }
  bounds.push(gen.lines.length);
  for (let doc = 0; doc + 1 < bounds.length; doc++) {
    const from = bounds[doc];
    const to = bounds[doc + 1];
    const uri = pathToFileURL(path.join(dir, `chunk-${doc}.mbl.jsonl`)).href;
    lsp.open(uri, textOf(from, to));
    const ds = await lsp.diagnostics(uri, 1);
    assert.ok(!ds.some((d) => d.code === 'too-many-problems'), `chunk ${doc} is under the cap`);
    const want = expectedEditorErrors(from, to);
    totalBadEditorLines += want.length;
    assert.deepEqual(
      errorsOf(ds).map((d) => d.range.start.line),
      want,
      `chunk ${doc}: error lines`,
    );
    // Same message and column as `mbm validate` wherever the editor's line is the reader's line.
    const starts = editorLineStarts(from, to);
    for (const d of errorsOf(ds)) {
      let k = starts.length - 1;
      while (starts[k] > d.range.start.line) k--;
      const i = from + k;
      const g = gen.lines[i];
      if (g.editorLines.length !== 1 || g.kind === 'invalidUtf8') continue;
      const v = validateReport.get(i + 1);
      assert.ok(v, `line ${i + 1}: validate reported it`);
      assert.equal(d.message, v.message, `line ${i + 1}`);
      if (v.column !== undefined) assert.equal(d.range.start.character + 1, v.column, `line ${i + 1} column`);
    }
    const offset = editorLineStarts().at(from) ?? 0;
    for (const d of ds) all.push({ ...d, range: { start: { ...d.range.start, line: d.range.start.line + offset }, end: { ...d.range.end, line: d.range.end.line + offset } } });
    lsp.close(uri);
  }
  // Where the editor's line is the reader's line, the editor's verdict is the reader's: so the
  // errors above are exactly one per bad line. A line with a lone CR in it is two lines in an
  // editor (LSP line rules) and one for the reader: CR inside a string is bad for both (one error
  // from validate, two in the editor); CR between tokens is JSON whitespace, so validate accepts
  // the line while the editor shows two broken lines (a known divergence, counted here).
  const single = gen.lines.filter((l) => l.editorLines.length === 1);
  assert.ok(single.every((l) => l.editorLines[0] === l.verdict));
  const split = gen.lines.filter((l) => l.editorLines.length > 1);
  assert.ok(split.every((l) => l.editorLines.every((v) => v === 'bad')), 'both halves of a CR-split line are errors in the editor');
  assert.equal(totalBadEditorLines, single.filter((l) => l.verdict === 'bad').length + split.length * 2);
  const crValid = split.filter((l) => l.verdict === 'valid').length;
  console.log(`fuzz: ${split.length} lines hold a lone CR (${crValid} of them valid JSON for the reader, two errors each in the editor)`);

  // 2. The whole file in one document: the first MAX_DIAGNOSTICS problems, then one note.
  const uri = pathToFileURL(file).href;
  lsp.open(uri, textOf(0, gen.lines.length));
  const ds = await lsp.diagnostics(uri, 1);
  assert.ok(all.length > MAX_DIAGNOSTICS, `the file has more problems (${all.length}) than the cap (${MAX_DIAGNOSTICS})`);
  assert.equal(ds.length, MAX_DIAGNOSTICS + 1);
  const key = (d: Diagnostic) => `${d.range.start.line}:${d.range.start.character}:${d.severity}:${d.message}`;
  assert.deepEqual(ds.slice(0, MAX_DIAGNOSTICS).map(key), all.slice(0, MAX_DIAGNOSTICS).map(key));
  const note = ds[MAX_DIAGNOSTICS];
  assert.equal(note.code, 'too-many-problems');
  assert.equal(note.severity, DiagnosticSeverity.Information);
  assert.equal(note.range.start.line, all[MAX_DIAGNOSTICS].range.start.line);
  assert.match(note.message, new RegExp(`^${all.length - MAX_DIAGNOSTICS} more problems`));

  // 3. Hovers on the odd valid lines (deep metadata, huge numbers, lone surrogates, long strings)
  // answer, and the server is still alive after all of it.
  const starts = editorLineStarts();
  const odd = gen.lines.map((l, i) => ({ l, i })).filter(({ l }) => l.verdict === 'valid' && l.editorLines.length === 1 && l.kind !== 'valid');
  const perKind = new Map<string, number>();
  const sample = odd.filter(({ l }) => {
    const n = perKind.get(l.kind) ?? 0;
    perKind.set(l.kind, n + 1);
    return n < 10;
  });
  for (const k of ['hugeNumberValid', 'deepNestingValid', 'loneSurrogateEscaped', 'longStringValid']) assert.ok(sample.some(({ l }) => l.kind === k), `a hover on ${k}`);
  for (const { l, i } of sample) {
    const h = await lsp.hover(uri, starts[i]);
    assert.ok(h, `hover on line ${i + 1} (${l.kind})`);
    assert.equal((h.contents as MarkupContent).kind, 'markdown');
  }
  lsp.close(uri);
  assert.ok(lsp.alive, 'the server survived');
  console.log(`fuzz: language server: ${all.length} problems in chunks (${all.filter((d) => d.severity === DiagnosticSeverity.Error).length} errors), ${ds.length} published for the whole file (cap ${MAX_DIAGNOSTICS} + note), ${sample.length} hovers`);
});
