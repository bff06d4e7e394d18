// `npm run bench` (after the build): every benchmark in sequence, each in its own Node
// process (no JIT state, heap or open handles carried from one into the next). Each prints its
// figures and appends a row to bench/RESULTS.md. Not part of `npm test`.
//
//   BENCH_ONLY=tail,writer npm run bench     just those (names below)
//   BENCH_QUICK=1 npm run bench              small sizes: a smoke run, nothing recorded
//
// A failing benchmark does not stop the others; the exit code says whether any failed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { QUICK, root } from './results.mjs';

/** In run order: the cheap ones first, so a quick look does not wait behind export. */
const ALL = ['tail', 'writer', 'backfill', 'detect', 'sizes', 'export', 'editor', 'editor-cs', 'editor-cs-late'];
/** A benchmark run again with an argument: editor-cs with the log added once the window has settled. */
const VARIANTS = { 'editor-cs-late': ['editor-cs', 'late'] };
/** Runnable by name but not by default: no anchor, and not one of the goals in the README's table. */
const EXTRA = ['lsp', 'expect', 'risk'];

const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = (only ?? []).filter((n) => !ALL.includes(n) && !EXTRA.includes(n));
if (unknown.length) {
  process.stderr.write(`BENCH_ONLY: unknown benchmark ${unknown.join(', ')} (known: ${[...ALL, ...EXTRA].join(', ')})\n`);
  process.exit(2);
}
const chosen = only ?? ALL;

const results = [];
for (const name of chosen) {
  process.stdout.write(`\n=== ${name}${QUICK ? ' (quick)' : ''} ===\n`);
  const t0 = Date.now();
  // editor-cs drives code-server through the e2e harness (TypeScript, under tsx).
  const [file, ...extra] = VARIANTS[name] ?? [name];
  const ts = path.join(root, 'bench', `${file}.ts`);
  const args = [...(existsSync(ts) ? ['--import', 'tsx', ts] : [path.join(root, 'bench', `${file}.mjs`)]), ...extra];
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  results.push({ name, status: r.status ?? r.signal, s: (Date.now() - t0) / 1000 });
}

process.stdout.write('\n=== summary ===\n');
for (const r of results) process.stdout.write(`  ${r.name.padEnd(9)} ${r.status === 0 ? 'ok    ' : `FAILED (${r.status})`} ${r.s.toFixed(0)} s\n`);
process.exitCode = results.every((r) => r.status === 0) ? 0 : 1;
