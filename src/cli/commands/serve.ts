// `mbm serve [--listen HOST:PORT] [--token T] [LOG ...]`: the HTTP API (/health /stats /metrics
// /report /export /events) over log files alone, following them as they grow, until SIGINT/SIGTERM.
// `mbm serve --from-postgres URL [--source S] [--chain-id N]`: the same API over the shared store.
import type { Command } from 'commander';
import { startLogsProvider } from '../../node/api/logsProvider';
import { startPostgresProvider } from '../../node/api/postgresProvider';
import type { ApiProvider } from '../../node/api/provider';
import { parsePostgresUrl } from '../../core/config';
import { StoreCliError, parseChainIds } from '../store';
import { describePostgresUrl } from '../../node/store/connect';
import { DEFAULT_API_HOST, DEFAULT_API_PORT, startHttpServer } from '../../node/api/server';
import { DEFAULT_METRICS_PREFIX } from '../../node/api/metrics';
import { colors, safeText } from '../../node/consoleText';
import { collect, DEFAULT_LOG_PATH, parseListen, UsageError } from '../util';

export interface ServeOptions {
  listen?: string;
  token?: string;
  metricsPrefix?: string;
  fromPostgres?: string;
  source?: string[];
  chainId?: string[];
}

/** The token from --token, else MBM_API_TOKEN (kept out of `ps` output and shell history). */
export function apiToken(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const t = flag ?? (env.MBM_API_TOKEN || undefined);
  if (t !== undefined && t.trim() === '') throw new UsageError('--token must not be empty');
  return t;
}

/** Serve until `signal` aborts or SIGINT/SIGTERM; resolves with the exit code. */
export async function serveAction(logs: string[], opts: ServeOptions, signal?: AbortSignal): Promise<number> {
  const { host, port } = parseListen(opts.listen ?? `${DEFAULT_API_HOST}:${DEFAULT_API_PORT}`);
  const token = apiToken(opts.token);
  if (opts.metricsPrefix !== undefined && !/^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/.test(opts.metricsPrefix)) {
    throw new UsageError(`--metrics-prefix must match [a-zA-Z_:][a-zA-Z0-9_:]*, got ${JSON.stringify(opts.metricsPrefix)}`);
  }
  const files = logs.length > 0 ? logs : [DEFAULT_LOG_PATH];
  const err = colors(process.stderr);
  const note = (s: string) => process.stderr.write(`${err.dim(`-- ${safeText(s)}`)}\n`);
  const onWarning = (w: string) => process.stderr.write(`${err.yellow(`-- warning: ${safeText(w)}`)}\n`);
  let provider: ApiProvider;
  let what = files.map((f) => safeText(f)).join(', ');
  if (opts.fromPostgres !== undefined) {
    if (logs.length > 0) throw new UsageError('--from-postgres serves the shared store, not log files: give one or the other');
    parsePostgresUrl('--from-postgres', opts.fromPostgres);
    let chainId;
    try {
      chainId = parseChainIds(opts.chainId);
    } catch (e) {
      throw new UsageError((e as StoreCliError).message);
    }
    const source = opts.source?.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
    try {
      provider = await startPostgresProvider({
        url: opts.fromPostgres,
        filter: { ...(source?.length ? { source } : {}), ...(chainId ? { chainId } : {}) },
        metrics: { prefix: opts.metricsPrefix ?? DEFAULT_METRICS_PREFIX },
        onWarning,
      });
    } catch (e) {
      process.stderr.write(`mbm serve: ${(e as Error).message}\n`);
      return 2;
    }
    what = `postgres ${safeText(describePostgresUrl(opts.fromPostgres))}${source?.length ? ` (sources ${source.map((s) => safeText(s)).join(', ')})` : ''}${chainId ? ` (chains ${chainId.join(', ')})` : ''}`;
  } else {
    if (opts.source !== undefined || opts.chainId !== undefined) throw new UsageError('--source and --chain-id select monitors of the shared store: use them with --from-postgres URL');
    provider = await startLogsProvider({ files, metrics: { prefix: opts.metricsPrefix ?? DEFAULT_METRICS_PREFIX }, onWarning });
  }
  let api;
  try {
    api = await startHttpServer({ host, port, token, provider, onError: (e) => process.stderr.write(`${err.red(`-- error: ${safeText(e.stack ?? e.message)}`)}\n`) });
  } catch (e) {
    await provider.close();
    const code = (e as NodeJS.ErrnoException).code;
    process.stderr.write(`mbm serve: cannot listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'address in use' : (e as Error).message}\n`);
    return 1;
  }
  note(`serving ${what} on ${api.url}${token ? ' (bearer token required)' : ''}; Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
    if (signal?.aborted) done();
    signal?.addEventListener('abort', done, { once: true });
  });
  note('stopping');
  await api.close();
  await provider.close();
  return 0;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API (/health /stats /metrics /report /export /events) over missed-block logs, following them live')
    .argument('[log...]', `logs to serve (default ${DEFAULT_LOG_PATH}); rotated .gz siblings are included`)
    .option('--listen <host:port>', `address to bind (default ${DEFAULT_API_HOST}:${DEFAULT_API_PORT})`)
    .option('--token <token>', 'require "Authorization: Bearer <token>" (default: $MBM_API_TOKEN)')
    .option('--metrics-prefix <prefix>', `prefix of every metric name (default ${DEFAULT_METRICS_PREFIX})`)
    .option('--from-postgres <url>', 'serve the shared PostgreSQL store (every monitor writing to it) instead of log files')
    .option('--source <label>', 'with --from-postgres: only these sources (repeat or comma-separate)', collect)
    .option('--chain-id <id>', 'with --from-postgres: only these chains (repeat or comma-separate)', collect)
    .action(async (logs: string[], opts: ServeOptions) => {
      const code = await serveAction(logs, opts);
      if (code !== 0) process.exitCode = code;
    });
}
