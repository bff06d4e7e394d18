// `mbm tail [LOG]`: the last records, then every new one as it is written; survives rotation.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { LogTailer, lastLines } from '../../node/log/tailer';
import { parseLogLine } from '../../node/log/validate';
import { colors, formatRecord, safeText } from '../../node/consoleText';
import { parseRedisUrl } from '../../core/config';
import { readStream } from '../../node/store/redisReader';
import { DEFAULT_LOG_PATH, UsageError } from '../util';

export interface TailOptions {
  lines: number;
  follow: boolean;
  /** Read the Redis stream mbm:records (or mbm:alerts) instead of a log. */
  fromRedis?: string;
  alerts?: boolean;
  /** Print records as JSON Lines (the log's form) instead of formatted. */
  json?: boolean;
}

/** `mbm tail --from-redis URL`: what the monitors published, then what they publish. */
export async function runTailRedis(url: string, opts: TailOptions, signal?: AbortSignal): Promise<void> {
  parseRedisUrl('--from-redis', url);
  const out = colors(process.stdout);
  const err = colors(process.stderr);
  const stop = new AbortController();
  const done = () => stop.abort();
  signal?.addEventListener('abort', done, { once: true });
  process.once('SIGINT', done);
  process.once('SIGTERM', done);
  try {
    await readStream(url, {
      alerts: opts.alerts,
      last: opts.lines,
      follow: opts.follow,
      signal: stop.signal,
      onWarning: (m) => process.stderr.write(`${err.dim(`-- ${safeText(m)}`)}\n`),
      onEntry: (e) => {
        const body = opts.alerts ? e.fields.alert : e.fields.record;
        if (body === undefined) return;
        if (opts.json) return void process.stdout.write(`${body}\n`);
        if (opts.alerts) {
          const a = JSON.parse(body) as { text?: string; title?: string };
          return void process.stdout.write(`${safeText(a.title ?? a.text ?? body)}\n`);
        }
        const r = parseLogLine(body);
        if (r.ok) process.stdout.write(`${formatRecord(r.record, out)}\n`);
        else process.stderr.write(`${err.red(`redis ${e.streamId}:`)} ${safeText(r.message)}\n`);
      },
    });
  } finally {
    process.off('SIGINT', done);
    process.off('SIGTERM', done);
  }
}

export async function runTail(log: string, opts: TailOptions, signal?: AbortSignal): Promise<void> {
  const out = colors(process.stdout);
  const err = colors(process.stderr);
  const print = (line: string, lineNo: number) => {
    if (line.trim() === '') return;
    const r = parseLogLine(line);
    if (r.ok) process.stdout.write(`${formatRecord(r.record, out)}\n`);
    else process.stderr.write(`${err.red(`${safeText(log)}:${lineNo}:`)} ${safeText(r.message)}\n`);
  };
  if (existsSync(log) && opts.lines > 0) {
    const { lines, firstLineNo } = await lastLines(log, opts.lines);
    lines.forEach((l, i) => print(l, firstLineNo + i));
  }
  if (!opts.follow) return;
  const tailer = new LogTailer(log, {
    onLine: print,
    onReset: (why) => process.stderr.write(err.dim(`-- ${log} ${why}; following the new file --\n`)),
    onError: (e) => process.stderr.write(err.red(`tail: ${e.message}\n`)),
  });
  await tailer.start();
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    signal?.addEventListener('abort', done, { once: true });
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await tailer.stop();
}

export function register(program: Command): void {
  program
    .command('tail')
    .description('print the last records of a log, then follow it as it grows (survives rotation)')
    .argument('[log]', 'the log to follow', DEFAULT_LOG_PATH)
    .option('-n, --lines <n>', 'records to show first', (v) => {
      if (!/^\d+$/.test(v)) throw new UsageError(`--lines must be a whole number, got ${JSON.stringify(v)}`);
      return Number(v);
    }, 10)
    .option('--no-follow', 'print the last records and exit')
    .option('--from-redis <url>', 'read the Redis stream mbm:records that `mbm watch --redis` publishes, instead of a log')
    .option('--alerts', 'with --from-redis: the alerts stream mbm:alerts')
    .option('--json', 'print records as JSON Lines')
    .action(async (log: string, opts: TailOptions) => {
      if (opts.fromRedis) return runTailRedis(opts.fromRedis, opts);
      await runTail(log, opts);
    });
}
