// `mbm`: argument parsing and exit codes only; every command's work lives in src/node (and the pure domain in src/core).
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { EXIT_USAGE, UsageError } from './util';
import { ConfigError } from '../core/config';

declare const __VERSION__: string;

type CommandModule = { register(program: Command): void };

// Loaded on demand: `mbm export` should not pay for the monitor, the HTTP server and the mail
// client at start-up (about 25 MB of memory and 0.2 s). esbuild keeps each require() lazy.
/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: Record<string, () => CommandModule> = {
  watch: () => require('./commands/watch'),
  demo: () => require('./commands/demo'),
  export: () => require('./commands/export'),
  report: () => require('./commands/report'),
  serve: () => require('./commands/serve'),
  validate: () => require('./commands/validate'),
  tail: () => require('./commands/tail'),
  lsp: () => require('./commands/lsp'),
  train: () => require('./commands/train'),
  expect: () => require('./commands/expect'),
};

/** The program with every command, or only `only` when that names one (the usual case). */
export function buildProgram(only?: string): Command {
  const program = new Command('mbm')
    .description('Missed Block Monitor: detect, log, export and report missed blocks of an Ethereum-style node')
    .version(typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const names = only !== undefined && only in COMMANDS ? [only] : Object.keys(COMMANDS);
  for (const name of names) COMMANDS[name]().register(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram(argv[2]);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; every other commander error is a usage error (§9: exit 2).
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return EXIT_USAGE;
    }
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof InvalidArgumentError) {
      process.stderr.write(`mbm: ${err.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`mbm: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  // `mbm export | head` closes our stdout early: that is the reader's choice, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
