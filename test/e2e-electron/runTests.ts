// The @vscode/test-electron suite, for contributors whose machine can download VS Code (this
// project's CI machine cannot: there the code-server suite in test/e2e/ is the one that runs).
//
//   node --import tsx test/e2e-electron/runTests.ts          (Linux without a display: xvfb-run -a …)
//   VSCODE_VERSION=1.95.0 node --import tsx test/e2e-electron/runTests.ts
//
// Builds the extension (esbuild), bundles suite/index.ts for the extension host, starts anvil, opens
// a temp workspace whose settings point at it, and runs the suite inside VS Code desktop.
import { runTests } from '@vscode/test-electron';
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAnvil, stopAllAnvils } from '../helpers/anvil';

const ROOT = path.resolve(__dirname, '../..');

async function main(): Promise<number> {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'esbuild.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) return 1;
  const out = mkdtempSync(path.join(tmpdir(), 'mbm-electron-'));
  const suite = path.join(out, 'suite.js');
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'suite/index.ts')],
    outfile: suite,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  const node = await startAnvil();
  const ws = path.join(out, 'workspace');
  mkdirSync(path.join(ws, '.vscode'), { recursive: true });
  writeFileSync(
    path.join(ws, '.vscode', 'settings.json'),
    JSON.stringify({ 'missedBlocks.rpcUrls': [node.url], 'missedBlocks.expectedBlockTime': 1, 'missedBlocks.maxBlockDelay': 60, 'missedBlocks.alertThreshold': 3 }, null, 2),
  );
  try {
    return await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: suite,
      extensionTestsEnv: { MBM_E2E_RPC: node.url, MBM_E2E_WS: ws, MBM_E2E_ROOT: ROOT },
      launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes', '--user-data-dir', path.join(out, 'user')],
    });
  } finally {
    await stopAllAnvils();
    rmSync(out, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
