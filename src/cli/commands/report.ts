// `mbm report [--json] [LOG ...]`: the summary of the logs (rotated .gz siblings included).
// `mbm report --from-postgres URL [--source S] [--chain-id N] [--fleet]`: the same from the shared
// store (SQL aggregates); --fleet prints one summary per monitor instead.
import { loggedHead } from '../../node/checkpoint';
import type { Command } from 'commander';
import { LogReadError, readRecordBatches } from '../../node/log/reader';
import { buildReportAsync } from '../../core/report';
import { formatReportText } from '../../node/reportText';
import { formatBadLine, processIO, progressFor, type CommandIO } from '../readLogs';
import { DEFAULT_LOG_PATH, EXIT_OK, EXIT_USAGE, collect } from '../util';
import { ConfigError } from '../../core/config';
import { StoreCliError, parseChainIds } from '../storeArgs';
import { formatFleetText } from '../../node/store/fleet';
import type { StoreFilter } from '../../node/store/store';

export interface ReportCommandOptions {
  json?: boolean;
  fromPostgres?: string;
  source?: string[];
  chainId?: string[];
  fleet?: boolean;
}

async function reportFromPostgres(url: string, opts: ReportCommandOptions, io: CommandIO): Promise<number> {
  try {
    const source = opts.source?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
    const chainId = parseChainIds(opts.chainId);
    const filter: StoreFilter = { ...(source?.length ? { source } : {}), ...(chainId ? { chainId } : {}) };
    const { openStoreFor } = await import('../store.ts');
    const store = await openStoreFor(url);
    try {
      if (opts.fleet) {
        const fleet = await store.fleet(filter);
        io.stdout.write(opts.json ? `${JSON.stringify(fleet, null, 2)}\n` : formatFleetText(fleet, { color: io.color ?? false }));
      } else {
        const report = await store.report(filter);
        io.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReportText(report, { color: io.color ?? false }));
      }
    } finally {
      await store.close();
    }
    return EXIT_OK;
  } catch (err) {
    if (err instanceof StoreCliError || err instanceof ConfigError) {
      io.stderr.write(`mbm report: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
}

export async function runReport(logs: string[], opts: ReportCommandOptions, io: CommandIO = processIO()): Promise<number> {
  if (opts.fromPostgres !== undefined) {
    if (logs.length > 0) {
      io.stderr.write('mbm report: --from-postgres reads the shared store, not log files: give one or the other\n');
      return EXIT_USAGE;
    }
    return reportFromPostgres(opts.fromPostgres, opts, io);
  }
  if (opts.source !== undefined || opts.chainId !== undefined || opts.fleet) {
    io.stderr.write('mbm report: --source, --chain-id and --fleet select monitors of the shared store: use them with --from-postgres URL\n');
    return EXIT_USAGE;
  }
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
      // The head the monitor last processed (the log's checkpoint) decides whether the last streak is current.
      { headBlock: await loggedHead(files) },
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
    .option('--from-postgres <url>', 'report on the shared PostgreSQL store (every monitor writing to it) instead of log files')
    .option('--source <label>', 'with --from-postgres: only these sources (repeat or comma-separate)', collect)
    .option('--chain-id <id>', 'with --from-postgres: only these chains (repeat or comma-separate)', collect)
    .option('--fleet', 'with --from-postgres: one summary per monitor (source, chain), side by side')
    .action(async (logs: string[], opts: ReportCommandOptions) => {
      process.exitCode = await runReport(logs, opts);
    });
}
