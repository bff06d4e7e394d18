// One build script, one entry per runtime: the CLI, the export worker thread, the extension host,
// the language server and the dashboard webview.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** @type {import('esbuild').BuildOptions[]} */
const targets = [
  {
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
    define: { __VERSION__: JSON.stringify(pkg.version) },
    // pg loads its optional libpq binding only when asked for (pg.native); we never ask.
    external: ['pg-native'],
  },
  {
    // The export's worker threads (exportLog.ts starts dist/exportWorker.js beside the bundle
    // that runs it: dist/cli.js or dist/extension.js).
    entryPoints: ['src/node/export/exportWorkerMain.ts'],
    outfile: 'dist/exportWorker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    // The extension host: `vscode` is provided at run time. Node 20 syntax so the bundle runs on
    // the desktop host (Node 20) and on code-server's (Node 24) alike.
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'pg-native'],
  },
  {
    // The log worker: a child process the extension forks per log (IPC) to read it, count it and
    // aggregate a big log's dashboard off the extension host. Loaded by path beside dist/extension.js.
    entryPoints: ['src/extension/worker/logWorker.ts'],
    outfile: 'dist/logWorker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    // The missed-block-log language server: a plain Node process the extension forks (IPC).
    entryPoints: ['src/lsp/server.ts'],
    outfile: 'dist/server.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    // The dashboard webview: browser code, one script and one stylesheet (uPlot's CSS is pulled
    // in by dashboard.css's @import), the only files its localResourceRoots (dist/webview) allow.
    entryPoints: [
      { in: 'src/webview/main.ts', out: 'main' },
      { in: 'media/dashboard.css', out: 'main' },
    ],
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
  },
];

const common = { bundle: true, minify: production, sourcemap: !production, logLevel: 'warning' };

if (watch) {
  for (const t of targets) await (await esbuild.context({ ...common, ...t })).watch();
} else {
  await Promise.all(targets.map((t) => esbuild.build({ ...common, ...t })));
}
