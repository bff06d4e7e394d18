// One build script, one entry per runtime: the CLI, the export worker thread, the extension host,
// the language server and the dashboard webview.
import * as esbuild from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';

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
    // the desktop host (Node 20) and on code-server's (Node 24) alike. What the extension loads
    // with import() (the monitor, the language client, PostgreSQL, export, anvil...) goes to
    // dist/extension-lazy.js (lazyChunk below), so the host compiles only what activation needs.
    entryPoints: ['src/extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'pg-native'],
    lazy: 'dist/extension-lazy.js',
    // Loaded for every log the extension follows: kept in the main bundle (still initialised on
    // first use), so following a log does not load the lazy half.
    keep: [/[\\/]src[\\/]node[\\/]log[\\/](validate|reader)\.ts$/],
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

/**
 * Splits a CJS bundle in two (esbuild splits only ESM): every module the bundle's own sources load
 * with import() (but those `keep` names) becomes a stub that requires one second bundle, `lazy`,
 * whose entry has a getter per such module, under a name of its own. The main bundle no longer holds their code, so the
 * host neither compiles nor runs it until the first import() (nothing is loaded twice: the lazy
 * modules are all in the one second bundle, so their classes stay one class each).
 * Returns the two build options; the lazy entry is known once the main bundle has been resolved.
 */
function lazyChunk(t) {
  const lazyFile = `./${path.basename(t.lazy)}`;
  const modules = new Set();
  const key = (abs) => path.relative(process.cwd(), abs).replace(/[^A-Za-z0-9]/g, '_');
  const plugin = {
    name: 'lazy-chunk',
    setup(build) {
      build.onResolve({ filter: /^\./ }, async (args) => {
        if (args.kind !== 'dynamic-import' || args.pluginData?.lazy) return undefined;
        const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { lazy: true } });
        if (r.errors.length || r.path.includes(`${path.sep}node_modules${path.sep}`) || keep.some((re) => re.test(r.path))) return undefined;
        modules.add(r.path);
        return { path: r.path, namespace: 'lazy-stub' };
      });
      build.onLoad({ filter: /.*/, namespace: 'lazy-stub' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(lazyFile)}).${key(args.path)}();`,
        loader: 'js',
      }));
      build.onResolve({ filter: new RegExp(`^${lazyFile.replace(/[.]/g, '\\.')}$`) }, () => ({ path: lazyFile, external: true }));
    },
  };
  const { lazy, keep = [], ...main } = t;
  return {
    main: { ...main, plugins: [plugin] },
    lazy: () => ({
      ...main,
      entryPoints: undefined,
      // One getter per module: require() of a module makes esbuild initialise it on that call,
      // so loading this file runs none of them and each import() runs only its own.
      stdin: {
        contents: [...modules].sort().map((m) => `exports.${key(m)} = () => require(${JSON.stringify(m)});`).join('\n'),
        resolveDir: process.cwd(),
        sourcefile: 'extension-lazy.js',
        loader: 'js',
      },
      outfile: lazy,
    }),
  };
}

if (watch) {
  for (const t of targets) {
    if (!t.lazy) {
      await (await esbuild.context({ ...common, ...t })).watch();
      continue;
    }
    // The lazy half is rebuilt after each rebuild of the main one (its module list may change).
    const c = lazyChunk(t);
    const rebuildLazy = { name: 'rebuild-lazy', setup: (b) => b.onEnd(() => esbuild.build({ ...common, ...c.lazy() })) };
    await (await esbuild.context({ ...common, ...c.main, plugins: [...c.main.plugins, rebuildLazy] })).watch();
  }
} else {
  await Promise.all(
    targets.map(async (t) => {
      if (!t.lazy) return esbuild.build({ ...common, ...t });
      const c = lazyChunk(t);
      await esbuild.build({ ...common, ...c.main });
      return esbuild.build({ ...common, ...c.lazy() });
    }),
  );
}
