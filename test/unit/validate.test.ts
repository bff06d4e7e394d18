// `mbm validate`, `export` and `report` as commands: exit codes and output per the README's "The `mbm` command line",
// called in-process (runX) and through the built CLI (dist/cli.js, made by `npm run build`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { runExport, type ExportCommandOptions } from '../../src/cli/commands/export';
import { runValidate } from '../../src/cli/commands/validate';
import type { CommandIO } from '../../src/cli/readLogs';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'dist', 'cli.js');
const fixtures = path.join(root, 'test', 'fixtures', 'logs');
const seedLine = readFileSync(path.join(fixtures, 'seed-example.jsonl'), 'utf8').trimEnd();
const dir = mkdtempSync(path.join(tmpdir(), 'mbm-validate-'));

function file(name: string, content: string | Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

function io() {
  const text = { stdout: '', stderr: '' };
  const w = (k: 'stdout' | 'stderr') =>
    new Writable({
      write(c, _e, cb) {
        text[k] += c.toString();
        cb();
      },
    });
  const streams: CommandIO = { stdout: w('stdout'), stderr: w('stderr'), color: false, stderrIsTTY: false };
  return { streams, text };
}

const good = file('good.jsonl', `${seedLine}\n${seedLine.replace('1001', '1002')}\n`);
const bad = file('bad.jsonl', `${seedLine}\n{"timestamp":1,\n\n${seedLine.replace('"Medium"', '"Huge"')}\n`);

test('validate: every line valid → exit 0, nothing on stdout', async () => {
  const { streams, text } = io();
  assert.equal(await runValidate([good], streams), 0);
  assert.equal(text.stdout, '');
  assert.match(text.stderr, /1 file, 2 valid records, all valid/);
});

test('validate: bad lines → exit 1, each printed as FILE:LINE[:COL]: message, the rest still checked', async () => {
  const { streams, text } = io();
  assert.equal(await runValidate([bad], streams), 1);
  const lines = text.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0], new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: not valid JSON`));
  assert.match(lines[1], /:4: severity: must be one of Low, Medium, High, Critical \(got "Huge"\)$/);
  assert.match(text.stderr, /1 valid record, 2 bad lines/);
});

test('validate: an unreadable file → exit 2, the other files are still checked', async () => {
  const { streams, text } = io();
  assert.equal(await runValidate([path.join(dir, 'missing.jsonl'), bad], streams), 2);
  assert.match(text.stderr, /missing\.jsonl: cannot read: no such file/);
  assert.equal(text.stdout.trimEnd().split('\n').length, 2, 'bad.jsonl was still checked');
});

test('validate: a corrupt rotated sibling is unreadable (exit 2); its good lines before the damage are checked', async () => {
  const sub = mkdtempSync(path.join(tmpdir(), 'mbm-validate-rot-'));
  const gz = gzipSync(`${seedLine}\n`.repeat(2000));
  writeFileSync(path.join(sub, 'missed_blocks.20240101T000000.jsonl.gz'), gz.subarray(0, gz.length - 30));
  writeFileSync(path.join(sub, 'missed_blocks.jsonl'), `${seedLine}\n`);
  const { streams, text } = io();
  assert.equal(await runValidate([path.join(sub, 'missed_blocks.jsonl')], streams), 2);
  assert.match(text.stderr, /missed_blocks\.20240101T000000\.jsonl\.gz: cannot read: unexpected end of file/);
});

test('export: bad option values → exit 2 with a one-line reason, nothing on stdout', async () => {
  const cases: [ExportCommandOptions, RegExp][] = [
    [{ format: 'xml' }, /--format must be one of csv, json, got "xml"/],
    [{ from: 'abc' }, /--from must be a block number/],
    [{ from: '10', to: '5' }, /--from \(10\) is after --to \(5\)/],
    [{ severity: ['hgih'] }, /--severity must be one of Low, Medium, High, Critical; got "hgih"/],
    [{ reason: ['Timeout,Nope'] }, /--reason must be one of .*got "Nope"/],
  ];
  for (const [opts, re] of cases) {
    const { streams, text } = io();
    assert.equal(await runExport([good], opts, streams), 2, JSON.stringify(opts));
    assert.equal(text.stdout, '');
    assert.match(text.stderr, re);
    assert.equal(text.stderr.trimEnd().split('\n').length, 1);
  }
});

test('export: filters, case-insensitive names, comma lists; bad lines reported on stderr and skipped', async () => {
  const { streams, text } = io();
  const log = file('mixed.jsonl', [seedLine, seedLine.replace('1001', '1002').replace('"Medium"', '"High"'), 'oops', seedLine.replace('1001', '1003').replace('"NetworkLatency"', '"Timeout"')].join('\n'));
  assert.equal(await runExport([log], { severity: ['medium,high'], from: '1002', reason: ['timeout', 'NetworkLatency'] }, streams), 0);
  assert.deepEqual(text.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(',')[0]), ['1002', '1003']);
  assert.match(text.stderr, new RegExp(`mixed\\.jsonl:3: not valid JSON`));
  assert.match(text.stderr, /skipped 1 bad line/);
});

test('export --output writes the file only when the export succeeded', async () => {
  const target = path.join(dir, 'out.csv');
  const a = io();
  assert.equal(await runExport([good], { output: target }, a.streams), 0);
  assert.equal(readFileSync(target, 'utf8').split('\n').length, 4);
  const b = io();
  const missingTarget = path.join(dir, 'never.csv');
  assert.equal(await runExport([path.join(dir, 'missing.jsonl')], { output: missingTarget }, b.streams), 2);
  assert.equal(existsSync(missingTarget), false);
  assert.deepEqual(spawnSync('sh', ['-c', `ls -a '${dir}' | grep -c '\\.tmp$' || true`]).stdout.toString().trim(), '0', 'no temp file left');
});

// ---- the built CLI ----

const built = existsSync(cli);
const run = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env } });

test('mbm validate exit codes through the built CLI', { skip: !built && 'dist/cli.js not built (npm run build)' }, () => {
  assert.equal(run(['validate', good]).status, 0);
  const r = run(['validate', bad]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /bad\.jsonl:2:\d+: not valid JSON/);
  assert.equal(run(['validate', path.join(dir, 'missing.jsonl')]).status, 2);
  const usage = run(['validate', '--bogus']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /unknown option '--bogus'/);
});

test('mbm export / report through the built CLI: stdout, --format json, bad usage, NO_COLOR', { skip: !built && 'dist/cli.js not built (npm run build)' }, () => {
  const csv = run(['export', good]);
  assert.equal(csv.status, 0);
  assert.equal(csv.stdout.split('\n')[1], '1001,NetworkLatency,Medium,1640995212,1640995220,0,false,1640995200');
  const json = run(['export', '--format', 'json', good]);
  assert.equal(JSON.parse(json.stdout).length, 2);
  const badFormat = run(['export', '--format', 'xml', good]);
  assert.equal(badFormat.status, 2);
  assert.equal(badFormat.stdout, '');
  const rep = run(['report', '--json', good]);
  assert.equal(JSON.parse(rep.stdout).total_missed, 2);
  // eslint-disable-next-line no-control-regex
  const ansi = /\u001b\[/;
  assert.match(run(['report', good], { FORCE_COLOR: '1' }).stdout, ansi);
  assert.doesNotMatch(run(['report', good], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout, ansi);
});

test('mbm export | head: the reader closing the pipe early is not an error', { skip: !built && 'dist/cli.js not built (npm run build)' }, async () => {
  const big = file('big.jsonl', Array.from({ length: 30000 }, (_, i) => seedLine.replace('1001', String(i))).join('\n'));
  const child = spawn(process.execPath, [cli, 'export', big], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  assert.equal(stderr, '');
});
