// `mbm serve [--listen HOST:PORT] [--token T] [LOG ...]`: the HTTP API (/health /stats /metrics
// /report /export /events) over log files alone, following them as they grow, until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { startLogsProvider } from '../../core/http/logs-provider';
import { DEFAULT_API_HOST, DEFAULT_API_PORT, startHttpServer } from '../../core/http/server';
import { DEFAULT_METRICS_PREFIX } from '../../core/metrics';
import { colors, safeText } from '../format';
import { DEFAULT_LOG_PATH, parseListen, UsageError } from '../util';

export interface ServeOptions {
  listen?: string;
  token?: string;
  metricsPrefix?: string;
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
  const provider = await startLogsProvider({
    files,
    metrics: { prefix: opts.metricsPrefix ?? DEFAULT_METRICS_PREFIX },
    onWarning: (w) => process.stderr.write(`${err.yellow(`-- warning: ${safeText(w)}`)}\n`),
  });
  let api;
  try {
    api = await startHttpServer({ host, port, token, provider, onError: (e) => process.stderr.write(`${err.red(`-- error: ${safeText(e.stack ?? e.message)}`)}\n`) });
  } catch (e) {
    await provider.close();
    const code = (e as NodeJS.ErrnoException).code;
    process.stderr.write(`mbm serve: cannot listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'address in use' : (e as Error).message}\n`);
    return 1;
  }
  note(`serving ${files.map((f) => safeText(f)).join(', ')} on ${api.url}${token ? ' (bearer token required)' : ''}; Ctrl-C stops`);
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
    .action(async (logs: string[], opts: ServeOptions) => {
      const code = await serveAction(logs, opts);
      if (code !== 0) process.exitCode = code;
    });
}
