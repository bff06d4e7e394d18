// code-server as the editor under test: started in its own process group on a free loopback port,
// with a throwaway user-data-dir and extensions-dir (so nothing leaks between runs or into ~), the
// .vsix installed into it, and the whole group killed afterwards (code-server forks a file watcher,
// an extension host and more). Its stdout/stderr go to a file kept in test-output/e2e/.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../helpers/anvil';
import { waitFor } from '../../helpers/wait';
import { outputDir, testBed } from './paths';

export interface CodeServerOptions {
  /** .vsix files to install before start. */
  vsix?: string[];
  /** Workbench trust: false (default) opens every folder trusted; true keeps Restricted Mode for untrusted folders. */
  trust?: boolean;
  /** Extra user settings (merged over the test defaults). */
  settings?: Record<string, unknown>;
  /** Name for the log file copied into test-output/e2e/ at stop. */
  name?: string;
  /** Bound on the server answering after spawn. Default 60 s. */
  readyTimeoutMs?: number;
}

export interface CodeServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** URL that opens `folder` in the workbench. */
  folderUrl(folder: string): string;
  /** code-server's own stdout+stderr so far. */
  output(): string;
  /** Every log file under the user-data-dir's logs folder whose path matches `re` (newest first). */
  logFiles(re: RegExp): string[];
  stop(): Promise<void>;
}

const live = new Set<number>();
process.once('exit', () => {
  for (const pgid of live) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

/** Settings for every e2e run (recipe step 5): no trust prompt, no start-up editor, no network. */
export function defaultUserSettings(trust: boolean): Record<string, unknown> {
  return {
    'security.workspace.trust.enabled': trust,
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.banner': 'always',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'window.restoreWindows': 'none',
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
  };
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

/** Install a .vsix into an extensions dir with code-server's own CLI (bounded). */
export function installExtension(vsix: string, userDataDir: string, extensionsDir: string): void {
  const bed = testBed();
  const r = spawnSync(bed.node24, [bed.codeServerEntry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (r.status !== 0 || !/successfully installed/i.test(r.stdout + r.stderr)) {
    throw new Error(`installing ${vsix} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  }
}

export async function startCodeServer(opts: CodeServerOptions = {}): Promise<CodeServer> {
  const bed = testBed();
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-e2e-cs-'));
  const userDataDir = path.join(dir, 'user');
  const extensionsDir = path.join(dir, 'ext');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...defaultUserSettings(opts.trust ?? false), ...opts.settings }, null, 2));
  for (const v of opts.vsix ?? []) installExtension(v, userDataDir, extensionsDir);

  const port = await freePort();
  const logPath = path.join(dir, 'code-server.log');
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      bed.node24,
      [
        bed.codeServerEntry,
        '--bind-addr', `127.0.0.1:${port}`,
        '--auth', 'none',
        '--disable-telemetry',
        '--disable-update-check',
        '--user-data-dir', userDataDir,
        '--extensions-dir', extensionsDir,
      ],
      // NODE_OPTIONS from the test runner (tsx's --import) must not leak into code-server's Node 24.
      { detached: true, stdio: ['ignore', fd, fd], env: { ...process.env, NODE_OPTIONS: '', VSCODE_PROXY_URI: '' } },
    );
  } finally {
    closeSync(fd);
  }
  const pgid = child.pid;
  if (pgid === undefined) throw new Error('code-server did not start (no pid)');
  live.add(pgid);
  child.unref();
  let exited = false;
  const exitedP = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), live.delete(pgid), resolve())));
  const output = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  const url = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (!exited) {
      try {
        process.kill(-pgid, 'SIGTERM');
      } catch {
        /* gone */
      }
      let timer: NodeJS.Timeout | undefined;
      const ok = await Promise.race([exitedP.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 5_000)))]);
      clearTimeout(timer);
      if (!ok) {
        try {
          process.kill(-pgid, 'SIGKILL');
        } catch {
          /* gone */
        }
        await exitedP;
      }
    }
    // The group leader may exit before its children: make sure none survive.
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* none left */
    }
    live.delete(pgid);
    // Keep the evidence: code-server's output and the workbench/extension-host logs.
    const keep = outputDir('logs', opts.name ?? `code-server-${port}`);
    try {
      cpSync(logPath, path.join(keep, 'code-server.log'));
      if (existsSync(path.join(userDataDir, 'logs'))) cpSync(path.join(userDataDir, 'logs'), path.join(keep, 'logs'), { recursive: true });
    } catch {
      /* best effort */
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitFor(
      async () => {
        if (exited) throw new Error(`code-server exited during start:\n${output().slice(-4000)}`);
        const res = await fetch(`${url}/healthz`).catch(() => undefined);
        return res?.ok ? true : undefined;
      },
      { timeoutMs: opts.readyTimeoutMs ?? 60_000, intervalMs: 100, what: `code-server on ${url} (output: ${output().slice(-2000)})` },
    );
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url,
    port,
    dir,
    userDataDir,
    extensionsDir,
    folderUrl: (folder) => `${url}/?folder=${encodeURIComponent(folder)}`,
    output,
    logFiles: (re) =>
      listFiles(path.join(userDataDir, 'logs'))
        .filter((p) => re.test(p))
        .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs),
    stop,
  };
}
