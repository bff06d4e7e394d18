// `mbm`: argument parsing and exit codes only; every command's work lives in src/core.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { register as registerExport } from './commands/export';
import { register as registerReport } from './commands/report';
import { register as registerValidate } from './commands/validate';
import { register as registerTail } from './commands/tail';
import { register as registerWatch } from './commands/watch';
import { register as registerDemo } from './commands/demo';
import { register as registerServe } from './commands/serve';
import { EXIT_USAGE, UsageError } from './util';
import { ConfigError } from '../core/config';

declare const __VERSION__: string;

export function buildProgram(): Command {
  const program = new Command('mbm')
    .description('Missed Block Monitor: detect, log, export and report missed blocks of an Ethereum-style node')
    .version(typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of [registerWatch, registerDemo, registerExport, registerReport, registerServe, registerValidate, registerTail]) {
    register(program);
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
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
