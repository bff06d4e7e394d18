// `mbm export [--format csv|json] [--output FILE] [--from N] [--to N] [--reason R] [--severity S] [LOG ...]`
// `mbm export --from-postgres URL [--source S] [--chain-id N] [...the same filters]`: from the shared store.
import type { Command } from 'commander';
import { closeSync, openSync, writeSync } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { EXPORT_FORMATS, type ExportFormat } from '../../node/export/export';
import { exportLog } from '../../node/export/exportLog';
import { FilterError, compileFilter, isEmptyFilter, parseFilter } from '../../core/recordFilter';
import { LogReadError } from '../../node/log/reader';
import { ConfigError } from '../../core/config';
import { StoreCliError, parseChainIds } from '../storeArgs';
import { formatBadLine, processIO, progressFor, type CommandIO } from '../readLogs';
import { DEFAULT_LOG_PATH, EXIT_OK, EXIT_USAGE, collect } from '../util';

export interface ExportCommandOptions {
  format?: string;
  output?: string;
  from?: string;
  to?: string;
  reason?: string[];
  severity?: string[];
  kind?: string[];
  source?: string[];
  fromPostgres?: string;
  chainId?: string[];
}

interface Output {
  stream: Writable;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * --output FILE is written to a temporary file beside it and renamed into place at the end, so a
 * failed export never leaves half a file where a complete one is expected. Special files
 * (/dev/stdout, a FIFO) are written directly.
 */
async function openOutput(file: string): Promise<Output> {
  const existing = await stat(file).catch(() => undefined);
  const direct = existing !== undefined && !existing.isFile();
  const target = direct ? file : path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = openSync(target, direct ? 'a' : 'w');
  // Synchronous writes: a file takes them at page-cache speed, and a busy machine made every
  // thread-pool round trip of an fs stream wait (measured: seconds of idle on a 1M-line export).
  const stream = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      try {
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  let closed = false;
  const close = () => {
    if (!closed) closeSync(fd);
    closed = true;
  };
  return {
    stream,
    async commit() {
      stream.end();
      await finished(stream);
      close();
      if (!direct) await rename(target, file);
    },
    async abort() {
      stream.destroy();
      close();
      if (!direct) await unlink(target).catch(() => undefined);
    },
  };
}

function fail(io: CommandIO, message: string): number {
  io.stderr.write(`mbm export: ${message}\n`);
  return EXIT_USAGE;
}

export async function runExport(logs: string[], opts: ExportCommandOptions, io: CommandIO = processIO()): Promise<number> {
  const format = (opts.format ?? 'csv').toLowerCase();
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) return fail(io, `--format must be one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(opts.format)}`);
  let filter;
  try {
    filter = parseFilter({ from: opts.from, to: opts.to, reason: opts.reason, severity: opts.severity, kind: opts.kind, source: opts.source });
  } catch (err) {
    if (err instanceof FilterError) return fail(io, err.message);
    throw err;
  }
  if (opts.fromPostgres !== undefined || opts.chainId !== undefined) {
    if (opts.fromPostgres === undefined) return fail(io, '--chain-id filters the shared store: use it with --from-postgres URL');
    if (logs.length > 0) return fail(io, '--from-postgres reads the shared store, not log files: give one or the other');
    return exportFromPostgres(opts.fromPostgres, opts, format as ExportFormat, filter, io);
  }
  const files = logs.length > 0 ? logs : [DEFAULT_LOG_PATH];
  let output: Output | undefined;
  if (opts.output !== undefined) {
    try {
      output = await openOutput(opts.output);
    } catch (err) {
      return fail(io, `cannot write ${opts.output}: ${(err as Error).message}`);
    }
  }
  const progress = await progressFor(files, io);
  let bad = 0;
  try {
    await exportLog(files, {
      format: format as ExportFormat,
      out: output?.stream ?? io.stdout,
      syncOut: output !== undefined, // openOutput's writer writes each chunk before returning
      filter: isEmptyFilter(filter) ? undefined : compileFilter(filter),
      onBadLine(e) {
        bad++;
        io.stderr.write(`${formatBadLine(e)}\n`);
      },
      onProgress: (done, total) => progress.update(done, total),
    });
    progress.stop();
    await output?.commit();
  } catch (err) {
    progress.stop();
    await output?.abort();
    if (err instanceof LogReadError) return fail(io, err.message);
    // The reader of our stdout went away (`mbm export | head`): their choice, not our failure.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') return EXIT_OK;
    throw err;
  }
  if (bad > 0) io.stderr.write(`mbm export: skipped ${bad} bad line${bad === 1 ? '' : 's'} (run \`mbm validate\` for details)\n`);
  return EXIT_OK;
}

async function exportFromPostgres(url: string, opts: ExportCommandOptions, format: ExportFormat, filter: ReturnType<typeof parseFilter>, io: CommandIO): Promise<number> {
  let output: Output | undefined;
  try {
    const chainIds = parseChainIds(opts.chainId);
    if (opts.output !== undefined) output = await openOutput(opts.output).catch((err: Error) => {
      throw new StoreCliError(`cannot write ${opts.output}: ${err.message}`);
    });
    // The driver loads with the flag only: a file export does not pay for it at start-up.
    const { exportFromStore } = await import('../store.ts');
    await exportFromStore(url, filter, chainIds, { format, out: output?.stream ?? io.stdout });
    await output?.commit();
    return EXIT_OK;
  } catch (err) {
    await output?.abort();
    if (err instanceof StoreCliError || err instanceof ConfigError) return fail(io, err.message);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') return EXIT_OK;
    return fail(io, `--from-postgres: ${(err as Error).message}`);
  }
}

export function register(program: Command): void {
  program
    .command('export')
    .description('write the records of missed-block logs as CSV or one JSON array (rotated .gz siblings included)')
    .argument('[log...]', `logs to read (default ${DEFAULT_LOG_PATH})`)
    .option('-f, --format <format>', 'csv or json', 'csv')
    .option('-o, --output <file>', 'write here instead of stdout')
    .option('--from <block>', 'first block number to include')
    .option('--to <block>', 'last block number to include')
    .option('--reason <reason>', 'only these reasons (repeat or comma-separate)', collect)
    .option('--severity <severity>', 'only these severities (repeat or comma-separate)', collect)
    .option('--kind <kind>', 'only these kinds: gap, delayed, missed_slot, reorg, payload_missed', collect)
    .option('--source <label>', 'only records from these sources', collect)
    .option('--from-postgres <url>', 'read the shared PostgreSQL store (every monitor writing to it) instead of log files')
    .option('--chain-id <id>', 'with --from-postgres: only these chains (repeat or comma-separate)', collect)
    .action(async (logs: string[], opts: ExportCommandOptions) => {
      process.exitCode = await runExport(logs, opts);
    });
}
