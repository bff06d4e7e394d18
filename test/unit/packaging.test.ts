// What the build makes is what the packages ship: every Node bundle esbuild.mjs writes is in the
// .vsix allowlist (.vscodeignore) and in the npm package's `files` (the CLI starts
// dist/exportWorker.js beside itself for a parallel export; a bundle left out breaks it only there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

test('every bundle esbuild.mjs writes is shipped in the .vsix and the npm package', () => {
  const outfiles = [...read('esbuild.mjs').matchAll(/outfile:\s*'([^']+)'/g)].map((m) => m[1]!);
  assert.deepEqual(outfiles.sort(), ['dist/cli.js', 'dist/exportWorker.js', 'dist/extension.js', 'dist/logWorker.js', 'dist/server.js']);
  const allowed = read('.vscodeignore').split('\n').filter((l) => l.startsWith('!')).map((l) => l.slice(1).trim());
  for (const f of outfiles) assert.ok(allowed.includes(f), `.vscodeignore does not allow ${f}`);
  const files = (JSON.parse(read('package.json')) as { files: string[] }).files;
  for (const f of outfiles) assert.ok(files.some((g) => f === g || f.startsWith(`${g}/`)), `package.json files does not include ${f}`);
});

test('nothing is installed beside dist/: no runtime dependencies, and the bundles leave out only vscode and pg-native', () => {
  const pkg = JSON.parse(read('package.json')) as { dependencies?: Record<string, string>; devDependencies: Record<string, string> };
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), [], 'esbuild bundles what runs; build inputs are devDependencies');
  const externals = [...read('esbuild.mjs').matchAll(/external:\s*\[([^\]]*)\]/g)].flatMap((m) => [...m[1]!.matchAll(/'([^']+)'/g)].map((x) => x[1]!));
  assert.deepEqual([...new Set(externals)].sort(), ['pg-native', 'vscode']);
});

test('activationEvents list only what contributes does not imply (commands, views and languages activate by themselves)', () => {
  const pkg = JSON.parse(read('package.json')) as { activationEvents: string[] };
  assert.deepEqual(pkg.activationEvents, ['workspaceContains:**/missed_blocks*.jsonl', 'workspaceContains:**/*.mbl.jsonl', 'onWebviewPanel:missedBlocks.dashboard']);
});
