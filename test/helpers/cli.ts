// How tests run `mbm`: the built bundle when it is up to date (`npm run build` ran after the last
// source change), else the same sources through tsx, so a stale dist/ never tests old code.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Arguments for `process.execPath` that start the CLI. */
export function cliArgs(): string[] {
  const dist = path.join(ROOT, 'dist/cli.js');
  if (existsSync(dist) && statSync(dist).mtimeMs >= newestMtime(path.join(ROOT, 'src'))) return [dist];
  return ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts')];
}

/** A running `mbm` child with its output so far. */
export interface MbmChild {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/**
 * Start `mbm args` from the repository root (NO_COLOR, plus `env`), collecting its output. The child
 * is in `running` until it exits, so a test file's after() can kill whatever is left.
 */
export function spawnMbm(args: string[], o: { env?: NodeJS.ProcessEnv; running?: Set<ChildProcess> } = {}): MbmChild {
  let out = '';
  let err = '';
  const child = spawn(process.execPath, [...cliArgs(), ...args], { cwd: ROOT, env: o.env ?? { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  o.running?.add(child);
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      o.running?.delete(child);
      resolve(code);
    }),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}
