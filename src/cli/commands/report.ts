// `mbm report [--json] [LOG ...]`: the summary of the logs (rotated .gz siblings included).
import type { Command } from 'commander';
import { LogReadError, readRecordBatches } from '../../core/log/reader';
import { buildReportAsync, formatReportText } from '../../core/report';
import { formatBadLine, processIO, progressFor, type CommandIO } from '../read-logs';
import { DEFAULT_LOG_PATH, EXIT_OK, EXIT_USAGE } from '../util';

export interface ReportCommandOptions {
  json?: boolean;
}

export async function runReport(logs: string[], opts: ReportCommandOptions, io: CommandIO = processIO()): Promise<number> {
  const files = logs.length > 0 ? logs : [DEFAULT_LOG_PATH];
  const progress = await progressFor(files, io);
  let bad = 0;
  let report;
  try {
    report = await buildReportAsync(
      readRecordBatches(files, {
        onBadLine(e) {
          bad++;
          io.stderr.write(`${formatBadLine(e)}\n`);
        },
        onProgress: (done, total) => progress.update(done, total),
      }),
    );
  } catch (err) {
    if (err instanceof LogReadError) {
      io.stderr.write(`mbm report: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  } finally {
    progress.stop();
  }
  io.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReportText(report, { color: io.color ?? false }));
  if (bad > 0) io.stderr.write(`mbm report: skipped ${bad} bad line${bad === 1 ? '' : 's'} (run \`mbm validate\` for details)\n`);
  return EXIT_OK;
}

export function register(program: Command): void {
  program
    .command('report')
    .description('summarise missed-block logs: totals, recovery rate, streaks, by reason/severity/kind')
    .argument('[log...]', `logs to read (default ${DEFAULT_LOG_PATH})`)
    .option('--json', 'print one JSON object instead of text')
    .action(async (logs: string[], opts: ReportCommandOptions) => {
      process.exitCode = await runReport(logs, opts);
    });
}
