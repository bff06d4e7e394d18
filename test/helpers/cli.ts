// How tests run `mbm`: the built bundle when it is up to date (`npm run build` ran after the last
// source change), else the same sources through tsx, so a stale dist/ never tests old code.
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
