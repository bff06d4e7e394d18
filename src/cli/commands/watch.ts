// `mbm watch [--rpc URL]... [--beacon URL] [--config FILE] [--log FILE] [--listen HOST:PORT] [--checkpoint FILE] [--postgres URL]`
// (ARCHITECTURE.md §9): run the monitor against a node until SIGINT/SIGTERM, then flush the log
// batch and the checkpoint and exit 0.
import { parseAlertSettings } from '../../node/alerts';
import type { Command } from 'commander';
import { ConfigError, defaultConfig, type MonitorFileConfig } from '../../core/config';
import { beaconConfigFrom, parseBeaconUrl } from '../../core/beaconConfig';
import type { BeaconSourceOptions } from '../../node/beacon/beaconSource';
import { loadConfigFile } from '../../node/configFile';
import { endpointsFromUrls } from '../../node/endpoints';
import { startLiveApi } from '../../node/api/liveProvider';
import type { RunningHttpServer } from '../../node/api/server';
import { MonitorService, type MonitorServiceOptions } from '../../node/service';
import { postgresUrlFrom } from '../../node/store/options';
import { PostgresSink, spoolPathFor } from '../../node/store/sink';
import { colors, safeText } from '../../node/consoleText';
import { attachOutput } from '../serviceOutput';
import { collect, parseListen, UsageError } from '../util';
import { apiToken } from './serve';

export interface WatchOptions {
  rpc?: string[];
  config?: string;
  log?: string;
  listen?: string;
  checkpoint?: string;
  /** The shared store (else $MBM_POSTGRES_URL, else [storage] postgres_url). */
  postgres?: string;
  /** A beacon node's REST API (else [beacon] url): missed slots with their proposers, reorgs. */
  beacon?: string;
}

/** Where the node is when neither --rpc nor the config's [rpc] urls say: a local node's default. */
export const DEFAULT_RPC = 'http://127.0.0.1:8545';

/** `[rpc] urls = ["ws://…", "https://…"]` in the config file; the seed's shape has no place for endpoints. */
export function rpcUrlsFromConfig(cfg: MonitorFileConfig): string[] | undefined {
  const rpc = cfg.other.rpc as { urls?: unknown } | undefined;
  if (rpc === undefined || rpc.urls === undefined) return undefined;
  if (!Array.isArray(rpc.urls) || rpc.urls.length === 0 || !rpc.urls.every((u) => typeof u === 'string')) {
    throw new UsageError('[rpc] urls must be a non-empty list of URL strings');
  }
  return rpc.urls as string[];
}

/** `--beacon URL` or [beacon] url, with [beacon] validators and grace; undefined when neither names a node. */
export function beaconOptions(config: MonitorFileConfig, flag: string | undefined, file?: string): BeaconSourceOptions | undefined {
  let b;
  try {
    b = beaconConfigFrom(config);
    if (flag !== undefined) b.url = parseBeaconUrl('--beacon', flag);
  } catch (err) {
    if (err instanceof ConfigError && file && !err.file && err.key !== '--beacon') throw new ConfigError(err.key, err.value, err.expected, file);
    throw err;
  }
  if (!b.url) return undefined;
  return { url: b.url, watched: b.watched, ...(b.graceSec !== undefined ? { graceSec: b.graceSec } : {}) };
}

/** Config file (or defaults) with the flags applied; throws UsageError / ConfigError. */
export function watchServiceOptions(opts: WatchOptions): MonitorServiceOptions {
  const config = opts.config ? loadConfigFile(opts.config) : defaultConfig();
  const beacon = beaconOptions(config, opts.beacon, opts.config);
  // A beacon node alone needs no execution node; with neither, the local node's default.
  const urls = opts.rpc?.length ? opts.rpc : (rpcUrlsFromConfig(config) ?? (beacon ? [] : [DEFAULT_RPC]));
  let endpoints;
  try {
    endpoints = endpointsFromUrls(urls);
  } catch (err) {
    throw new UsageError(`--rpc: ${(err as Error).message}`);
  }
  if (opts.log) config.logging.logFilePath = opts.log;
  // A bad [alerts] table is a usage error before anything starts, not a failure minutes later.
  parseAlertSettings(config.alerts, { alertThreshold: config.monitoring.alertThreshold });
  // Every record the log gets is also upserted there; an outage queues them in <log>.pgqueue.
  const postgresUrl = postgresUrlFrom({ name: '--postgres', value: opts.postgres }, config);
  const sink = postgresUrl ? new PostgresSink({ url: postgresUrl, spoolPath: spoolPathFor(config.logging.logFilePath) }) : undefined;
  return { config, endpoints, ...(beacon ? { beacon } : {}), ...(opts.checkpoint ? { checkpointPath: opts.checkpoint } : {}), ...(sink ? { sink } : {}) };
}

/**
 * Run until `signal` aborts or SIGINT/SIGTERM arrives; resolves with the exit code. A second
 * signal while stopping exits at once (the operator insists).
 */
export async function watchAction(opts: WatchOptions, signal?: AbortSignal, extra: Partial<MonitorServiceOptions> = {}): Promise<number> {
  const listen = opts.listen !== undefined ? parseListen(opts.listen) : undefined;
  const options = { ...watchServiceOptions(opts), ...extra };
  return runUntilStopped(new MonitorService(options), { records: options.config.logging.enableConsoleLogging, signal, listen });
}

/** The HTTP API over `svc` (token from $MBM_API_TOKEN); undefined after printing why it cannot listen. */
async function startApi(svc: MonitorService, listen: { host: string; port: number }): Promise<RunningHttpServer | undefined> {
  const err = colors(process.stderr);
  const token = apiToken(undefined);
  try {
    const api = await startLiveApi(svc, { ...listen, token, onError: (e) => process.stderr.write(`${err.red(`-- API error: ${safeText(e.message)}`)}\n`) });
    process.stderr.write(`${err.dim(`-- HTTP API on ${api.url}${token ? ' (bearer token required)' : ''}`)}\n`);
    return api;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    process.stderr.write(`mbm: cannot listen on ${listen.host}:${listen.port}: ${code === 'EADDRINUSE' ? 'address in use' : (e as Error).message}\n`);
    return undefined;
  }
}

/** Start `svc`, print what it reports, stop it cleanly on a signal. Shared with `mbm demo`. */
export async function runUntilStopped(
  svc: MonitorService,
  o: { records: boolean; signal?: AbortSignal; listen?: { host: string; port: number } },
): Promise<number> {
  const err = colors(process.stderr);
  attachOutput(svc, { records: o.records });
  // Before start(), so the API sees the startup backfill and the first status too.
  const api = o.listen ? await startApi(svc, o.listen) : undefined;
  if (o.listen && !api) return 1;
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((r) => (requestStop = r));
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${err.red(`-- ${sig} again: exiting without a clean stop`)}\n`);
      process.exit(130);
    }
    stopping = true;
    requestStop();
  };
  const onAbort = () => {
    stopping = true;
    requestStop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const ep = svc.endpoints;
  process.stderr.write(
    `${err.dim(`-- watching ${safeText(ep[0].label)}${ep.length > 1 ? ` (+${ep.length - 1} alternative${ep.length > 2 ? 's' : ''})` : ''}; log ${safeText(svc.logPath)}${svc.checkpoint ? `; checkpoint ${safeText(svc.checkpoint.file)}` : ''}`)}\n`,
  );
  try {
    await svc.start();
    await stopRequested;
    process.stderr.write(`${err.dim(`-- stopping: flushing the log${svc.checkpoint ? ' and the checkpoint' : ''}`)}\n`);
  } finally {
    await api?.close();
    await svc.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    o.signal?.removeEventListener('abort', onAbort);
  }
  if (svc.pendingWrites > 0) {
    process.stderr.write(`${err.red(`-- ${svc.pendingWrites} records could not be written to ${safeText(svc.logPath)}`)}\n`);
    return 1;
  }
  return 0;
}

export function register(program: Command): void {
  program
    .command('watch')
    .description('monitor a node: detect, classify, log and recover missed blocks until Ctrl-C')
    .option('--rpc <url>', 'node endpoint (ws:// for newHeads, http:// for polling); repeat for alternatives, the first is primary', collect)
    .option('--config <file>', 'TOML config in the seed shape ([monitoring], [logging], [alerts], optional [rpc] urls)')
    .option('--log <file>', 'JSONL log to write (overrides logging.log_file_path)')
    .option('--listen <host:port>', 'serve the HTTP API here (/health /stats /metrics /report /export /events; bearer token from $MBM_API_TOKEN)')
    .option('--checkpoint <file>', 'where to keep the last processed block (default: <log>.checkpoint.json)')
    .option('--beacon <url>', 'also follow this beacon node (REST API): missed slots with their proposers, reorgs; without --rpc, alone (default: [beacon] url)')
    .option('--postgres <url>', 'also upsert every record into this PostgreSQL store (default: $MBM_POSTGRES_URL, else [storage] postgres_url)')
    .action(async (opts: WatchOptions) => {
      const code = await watchAction(opts);
      if (code !== 0) process.exitCode = code;
    });
}
