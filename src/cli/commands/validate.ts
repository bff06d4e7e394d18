// `mbm validate [LOG ...]`: checks every line against the schema. Exit 0 all valid, 1 some line
// bad (each printed as FILE:LINE[:COL]: message on stdout, like a compiler), 2 bad usage or a
// file that cannot be read (the other files are still checked).
import type { Command } from 'commander';
import { LogReadError, readLogBatches, resolveLogFiles } from '../../node/log/reader';
import { formatBadLine, processIO, type CommandIO } from '../readLogs';
import { DEFAULT_LOG_PATH, EXIT_INVALID, EXIT_OK, EXIT_USAGE } from '../util';

export interface ValidateSummary {
  files: number;
  records: number;
  bad: number;
  unreadable: number;
}

export async function runValidate(logs: string[], io: CommandIO = processIO()): Promise<number> {
  const given = logs.length > 0 ? logs : [DEFAULT_LOG_PATH];
  // An active log's rotated siblings are checked too: they are what export and report read.
  const files = await resolveLogFiles(given);
  const sum: ValidateSummary = { files: files.length, records: 0, bad: 0, unreadable: 0 };
  for (const file of files) {
    try {
      // Every line on its own: no collapsing, no sibling expansion (done above).
      for await (const batch of readLogBatches(file, {
        collapse: false,
        siblings: false,
        onBadLine(e) {
          sum.bad++;
          io.stdout.write(`${formatBadLine(e, true)}\n`);
        },
      })) {
        sum.records += batch.length;
      }
    } catch (err) {
      if (!(err instanceof LogReadError)) throw err;
      sum.unreadable++;
      io.stderr.write(`mbm validate: ${err.message}\n`);
    }
  }
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const what = `${plural(sum.files, 'file')}, ${plural(sum.records, 'valid record')}`;
  if (sum.unreadable) io.stderr.write(`mbm validate: ${what}, ${plural(sum.bad, 'bad line')}, ${sum.unreadable} unreadable\n`);
  else if (sum.bad) io.stderr.write(`mbm validate: ${what}, ${plural(sum.bad, 'bad line')}\n`);
  else io.stderr.write(`mbm validate: ${what}, all valid\n`);
  return sum.unreadable ? EXIT_USAGE : sum.bad ? EXIT_INVALID : EXIT_OK;
}

export function register(program: Command): void {
  program
    .command('validate')
    .description('check every line of missed-block logs against the schema (rotated .gz siblings included)')
    .argument('[log...]', `logs to check (default ${DEFAULT_LOG_PATH})`)
    .action(async (logs: string[]) => {
      process.exitCode = await runValidate(logs);
    });
}
