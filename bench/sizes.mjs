// `npm run bench:sizes`: what the extension weighs and what loading it costs.
// - bundle sizes of dist/*.js and dist/webview/* as `npm run build` left them (development:
//   unminified, source maps beside them, maps not counted), raw and gzipped;
// - the .vsix: built by scripts/package-vsix.mjs into a temporary folder (production bundles,
//   minified), its size and the size of every bundle inside it;
// - activation: the latest figure the e2e suite measured in a real editor (code-server), read from
//   test-output/e2e/figures.json — the time activate() itself takes, logged by the extension;
// - "module load" (NOT activation): the time Node takes to evaluate dist/extension.js, the part
//   the e2e figure leaves out. Each sample is a fresh process that requires the bundle with a stub
//   'vscode' module (a Proxy, resolved through Module._resolveFilename): it only makes top-level
//   code run, so it measures evaluation, nothing the extension does with the editor. The production
//   bundle (from the .vsix) and the development one alternate, sample by sample.
//
//   BENCH_ROUNDS=10 node bench/sizes.mjs      (needs `npm run build` first; npm run bench:sizes does)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { appendResult, loadText, median, QUICK, root } from './results.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (QUICK ? 3 : 10));
const dist = path.join(root, 'dist');
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;

if (!existsSync(path.join(dist, 'extension.js'))) {
  process.stderr.write('dist/extension.js is missing: run `npm run build` first (npm run bench:sizes does)\n');
  process.exit(2);
}

// Development bundles, as built.
const bundles = [];
for (const sub of ['', 'webview']) {
  const d = path.join(dist, sub);
  if (!existsSync(d)) continue;
  for (const f of readdirSync(d).sort()) {
    const p = path.join(d, f);
    if (f.endsWith('.map') || !statSync(p).isFile()) continue;
    bundles.push({ name: path.posix.join(sub, f), bytes: statSync(p).size, gzip: gzipSync(readFileSync(p)).length });
  }
}
console.log('dist/ (npm run build: development bundles, maps not counted)');
for (const b of bundles) console.log(`  ${b.name.padEnd(20)} ${kib(b.bytes).padStart(12)}  gzip ${kib(b.gzip)}`);

// The .vsix, built where nobody else looks (out/ may be in use by the e2e suite).
const work = mkdtempSync(path.join(tmpdir(), 'mbm-bench-sizes-'));
let vsix;
const inVsix = {};
try {
  process.stderr.write('packaging the .vsix (scripts/package-vsix.mjs)...\n');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'package-vsix.mjs'), '--out', work, '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`package-vsix failed (exit ${r.status}): ${r.stdout}`);
  vsix = JSON.parse(r.stdout.trim().split('\n').pop());
  // `unzip -l`: "  length  date  time  name" per entry.
  for (const m of execFileSync('unzip', ['-l', vsix.vsix], { encoding: 'utf8' }).matchAll(/^\s*(\d+)\s+\S+\s+\S+\s+(extension\/dist\/\S+)$/gm)) {
    inVsix[m[2].slice('extension/dist/'.length)] = Number(m[1]);
  }
  console.log(`\n.vsix ${kib(vsix.vsixBytes)} (production bundles inside: ${Object.entries(inVsix).map(([n, b]) => `${n} ${kib(b)}`).join(', ')})`);
  // The production extension.js next to the stub, for the module-load timing below.
  mkdirSync(path.join(work, 'prod'), { recursive: true });
  writeFileSync(path.join(work, 'prod', 'extension.js'), execFileSync('unzip', ['-p', vsix.vsix, 'extension/dist/extension.js'], { maxBuffer: 1 << 28 }));
} catch (e) {
  process.stderr.write(`.vsix not measured: ${e.message}\n`);
}

// Activation as the e2e suite saw it in code-server.
const figuresFile = path.join(root, 'test-output', 'e2e', 'figures.json');
let e2e;
if (existsSync(figuresFile)) {
  e2e = JSON.parse(readFileSync(figuresFile, 'utf8'));
  e2e.when = statSync(figuresFile).mtime.toISOString().slice(0, 16).replace('T', ' ');
  console.log(`\nactivation (activate() in code-server, e2e suite run of ${e2e.when} UTC): ${e2e.activationMs ?? '?'} ms`);
} else {
  console.log('\nactivation: no e2e figures (run `npm run test:e2e`; it writes test-output/e2e/figures.json)');
}

// Module load: a fresh process per sample; only the require() is timed.
const stub = path.join(work, 'vscode-stub.cjs');
writeFileSync(
  stub,
  `// Any property is a callable, constructible, extensible stand-in: enough for top-level code.
const handler = { get: (t, p) => (p === '__esModule' ? false : p === 'then' ? undefined : (t[p] ??= fake())), apply: () => fake(), construct: () => fake() };
function fake() { return new Proxy(function () {}, handler); }
module.exports = fake();
`,
);
const probe = `
const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) { return request === 'vscode' ? ${JSON.stringify(stub)} : resolve.call(this, request, ...rest); };
const t0 = performance.now();
const ext = require(process.argv[1]);
const ms = performance.now() - t0;
if (typeof ext.activate !== 'function') throw new Error('no activate export');
process.stdout.write(String(ms));
`;
const loadOnce = (file) => {
  const r = spawnSync(process.execPath, ['-e', probe, file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`loading ${file} failed: ${r.stderr}`);
  return Number(r.stdout);
};
const targets = [['production', path.join(work, 'prod', 'extension.js')], ['development', path.join(dist, 'extension.js')]].filter(([, f]) => existsSync(f));
const loads = Object.fromEntries(targets.map(([n]) => [n, []]));
try {
  for (let i = 0; i < ROUNDS; i++) for (const [name, file] of targets) loads[name].push(loadOnce(file));
} finally {
  rmSync(work, { recursive: true, force: true });
}
const loadMs = Object.fromEntries(targets.map(([n]) => [n, median(loads[n])]));
console.log(
  `module load of extension.js (require with a stub 'vscode'; not activation), median of ${ROUNDS} fresh processes: ${targets
    .map(([n]) => `${n} ${loadMs[n].toFixed(1)} ms`)
    .join(', ')}; load now ${loadText()}`,
);

const sizeOf = (name) => bundles.find((b) => b.name === name)?.bytes;
appendResult({
  bench: 'sizes',
  title: 'Extension weight and start-up cost (`bench/sizes.mjs`). No goal; watch the trend.',
  note:
    '**dist KiB**: development bundles from `npm run build` (unminified); **prod KiB**: the minified bundles inside the .vsix; **activation ms**: `activate()` in code-server as last measured by the e2e suite (run date in brackets); **module load ms**: evaluating the production / development `extension.js` in a fresh Node with a stub `vscode` — not activation.',
  row: {
    'extension.js dist/prod KiB': `${(sizeOf('extension.js') / 1024).toFixed(0)} / ${inVsix['extension.js'] ? (inVsix['extension.js'] / 1024).toFixed(0) : '?'}`,
    'server.js dist/prod KiB': `${((sizeOf('server.js') ?? 0) / 1024).toFixed(0)} / ${inVsix['server.js'] ? (inVsix['server.js'] / 1024).toFixed(0) : '?'}`,
    'cli.js dist/prod KiB': `${((sizeOf('cli.js') ?? 0) / 1024).toFixed(0)} / ${inVsix['cli.js'] ? (inVsix['cli.js'] / 1024).toFixed(0) : '—'}`,
    'webview main.js+css dist/prod KiB': `${(((sizeOf('webview/main.js') ?? 0) + (sizeOf('webview/main.css') ?? 0)) / 1024).toFixed(0)} / ${
      inVsix['webview/main.js'] ? ((inVsix['webview/main.js'] + (inVsix['webview/main.css'] ?? 0)) / 1024).toFixed(0) : '?'
    }`,
    '.vsix KiB': vsix ? (vsix.vsixBytes / 1024).toFixed(0) : '?',
    'activation ms (e2e)': e2e?.activationMs !== undefined ? `${e2e.activationMs} (${e2e.when})` : '—',
    'module load ms prod/dev': targets.map(([n]) => loadMs[n].toFixed(1)).join(' / '),
  },
});
