#!/usr/bin/env node
// Packages the extension: copies the checkout (sources, manifests; not node_modules, not dist) into a
// staging folder, builds the production bundles there (node esbuild.mjs --production), and runs
// `vsce package --no-dependencies` in it (everything is bundled; .vscodeignore is the allowlist).
// Usage: node scripts/package-vsix.mjs [--out DIR] [--json]
// Default out dir: out/ in the repo. Prints the .vsix path and sizes (one JSON line with --json).
//
// Why a staging folder:
// - a fresh dist/: no stale source maps or development bundles from an earlier `npm run build`
//   (and nothing another build writes into dist/ meanwhile) ends up in the .vsix;
// - package.json's "files" (the npm allowlist for the `mbm` CLI) and .vscodeignore (the .vsix
//   allowlist) are both legitimate, but vsce refuses to package when it sees both, so the staged
//   package.json drops "files".
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const outDir = path.resolve(opt('--out') ?? path.join(root, 'out'));
const json = args.includes('--json');

function run(cmd, argv, cwd) {
  const r = spawnSync(cmd, argv, { cwd, stdio: ['ignore', json ? 'pipe' : 'inherit', 'inherit'], encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) {
    if (json && r.stdout) process.stderr.write(r.stdout);
    console.error(`package-vsix: ${[cmd, ...argv].join(' ')} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const t0 = Date.now();

// Stage: the working tree minus build output and what is never packaged and is large or volatile.
const SKIP = new Set(['node_modules', 'dist', '.git', '.bench-data', 'test-output', 'out', '.vscode-test']);
const stage = mkdtempSync(path.join(tmpdir(), 'mbm-vsix-stage-'));
try {
  for (const name of readdirSync(root)) {
    if (SKIP.has(name) || name.endsWith('.vsix') || path.join(root, name) === outDir) continue;
    cpSync(path.join(root, name), path.join(stage, name), { recursive: true });
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');
  const pkg = JSON.parse(readFileSync(path.join(stage, 'package.json'), 'utf8'));
  if (existsSync(path.join(stage, '.vscodeignore')) && 'files' in pkg) {
    delete pkg.files;
    writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  }
  run(process.execPath, [path.join(stage, 'esbuild.mjs'), '--production'], stage);

  mkdirSync(outDir, { recursive: true });
  const vsix = path.join(outDir, `${pkg.name}-${pkg.version}.vsix`);
  const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  // Non-interactive: vsce asks on the terminal only when repository/LICENSE are missing (both
  // exist). --no-rewrite-relative-links: the repository URL is not GitHub/GitLab, so vsce cannot
  // make the README's relative links absolute (it fails instead); they resolve inside the
  // installed extension.
  run(process.execPath, [vsce, 'package', '--no-dependencies', '--no-rewrite-relative-links', '--out', vsix], stage);

  const main = pkg.main ?? './dist/extension.js';
  const result = { vsix, vsixBytes: statSync(vsix).size, extensionJs: main, extensionJsBytes: statSync(path.join(stage, main)).size, ms: Date.now() - t0 };
  if (json) console.log(JSON.stringify(result));
  else console.log(`package-vsix: ${vsix} (${(result.vsixBytes / 1024).toFixed(1)} KiB); ${main} ${(result.extensionJsBytes / 1024).toFixed(1)} KiB (production); ${result.ms} ms`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
