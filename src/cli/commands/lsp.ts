// `mbm lsp`: the missed-block-log language server on stdin/stdout, for any editor (README: "The
// log language in other editors"). The server is its own bundle (dist/server.js, beside
// dist/cli.js), run as a child that shares our stdio; we exit with its code.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';

/** `node` arguments that start the server: the bundle next to ours, or the sources under tsx. */
export function serverArgs(dir = __dirname): string[] {
  const bundle = path.join(dir, 'server.js');
  if (existsSync(bundle)) return [bundle, '--stdio'];
  return ['--import', 'tsx', path.resolve(dir, '../../lsp/server.ts'), '--stdio'];
}

export function runLsp(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, serverArgs(), { stdio: 'inherit' });
    // The client ending the session (exit notification, or closing our stdin) ends the server too.
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const onTerm = forward('SIGTERM');
    const onInt = forward('SIGINT');
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
    child.once('error', (e) => {
      process.stderr.write(`mbm lsp: cannot start the language server: ${e.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

export function register(program: Command): void {
  program
    .command('lsp')
    .description('run the missed-block-log language server on stdin/stdout (for Neovim, Helix, Emacs…)')
    .action(async () => {
      process.exitCode = await runLsp();
    });
}
