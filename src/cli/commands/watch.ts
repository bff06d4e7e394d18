// `mbm watch [--rpc URL]... [--beacon URL] [--config FILE] [--log FILE] [--listen HOST:PORT] [--checkpoint FILE] [--postgres URL] [--redis URL] [--relay URL]...`
// run the monitor against a node until SIGINT/SIGTERM, then flush the log
// batch and the checkpoint and exit 0.
import { parseAlertSettings } from '../../node/alerts';
import type { Command } from 'commander';
import { ConfigError, defaultConfig, type MonitorFileConfig } from '../../core/config';
import { beaconConfigFrom, parseBeaconUrl } from '../../core/beaconConfig';
import type { BeaconSourceOptions } from '../../node/beacon/beaconSource';
import { loadConfigFile } from '../../node/configFile';
import { endpointsFromUrls } from '../../node/endpoints';
import { parseRpcConfig } from '../../node/rpcConfig';
import { startLiveApi, type LiveProviderOptions } from '../../node/api/liveProvider';
import { expectSettingsFrom } from '../../node/expect/settings';
import type { RunningHttpServer } from '../../node/api/server';
import { MonitorService, type MonitorServiceOptions } from '../../node/service';
import { postgresUrlFrom, redisUrlFrom } from '../../node/store/options';
import { PostgresSink, spoolPathFor } from '../../node/store/sink';
import { combineSinks } from '../../node/store/types';
import { RedisSink, redisSpoolPathFor } from '../../node/store/redis';
import { colors, safeText } from '../../node/consoleText';
import { attachOutput } from '../serviceOutput';
import { collect, parseListen, UsageError } from '../util';
import { apiToken } from './serve';
import { defaultRelayConfig, parseRelayUrl } from '../../core/relayConfig';
import { BeaconRestSlotBlocks } from '../../node/relay/slotBlocks';
import { watchChains } from './watchChains';

export interface WatchOptions {
  rpc?: string[];
  config?: string;
  log?: string;
  listen?: string;
  checkpoint?: string;
  /** The shared store (else $MBM_POSTGRES_URL, else [storage] postgres_url). */
  postgres?: string;
  /** Relay Data API URLs (else [relay] urls). */
  relay?: string[];
  /** A beacon node's REST API (else [beacon] url): followed for missed slots with their proposers and reorgs; relay payloads are checked against it. */
  beacon?: string;
  /** Redis Streams (else $MBM_REDIS_URL, else [storage] redis_url). */
  redis?: string;
}

/** Where the node is when neither --rpc nor the config's [rpc] urls say: a local node's default. */
export const DEFAULT_RPC = 'http://127.0.0.1:8545';

/** `[rpc] urls` (or url_env/urls_env) of the config file; see node/rpcConfig. */
export function rpcUrlsFromConfig(cfg: MonitorFileConfig): string[] | undefined {
  return parseRpcConfig(cfg).urls;
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
  if (config.chains) throw new UsageError(`${opts.config}: has [[chains]]; watch them with watchChainsOptions`);
  return serviceOptionsFrom(config, opts);
}

/** One chain's service options: its config (the file's, or one [[chains]] table's) with the flags applied. */
export function serviceOptionsFrom(config: MonitorFileConfig, opts: WatchOptions): MonitorServiceOptions {
  const rpc = parseRpcConfig(config);
  const beacon = beaconOptions(config, opts.beacon, opts.config);
  // A beacon node alone needs no execution node; with neither, the local node's default.
  const urls = opts.rpc?.length ? opts.rpc : (rpc.urls ?? (beacon ? [] : [DEFAULT_RPC]));
  let endpoints;
  try {
    endpoints = endpointsFromUrls(urls);
  } catch (err) {
    throw new UsageError(`${opts.rpc?.length ? '--rpc' : 'rpc.urls'}: ${(err as Error).message}`);
  }
  if (opts.log) config.logging.logFilePath = opts.log;
  // A bad [alerts] table is a usage error before anything starts, not a failure minutes later.
  parseAlertSettings(config.alerts, { alertThreshold: config.monitoring.alertThreshold });
  // Every record the log gets is also upserted there; an outage queues them in <log>.pgqueue.
  const postgresUrl = postgresUrlFrom({ name: '--postgres', value: opts.postgres }, config);
  const pgSink = postgresUrl ? new PostgresSink({ url: postgresUrl, spoolPath: spoolPathFor(config.logging.logFilePath) }) : undefined;
  // Records and alerts to Redis Streams; ioredis is loaded only then. An outage queues in <log>.redisqueue.
  const redisUrl = redisUrlFrom({ name: '--redis', value: opts.redis }, config);
  const redisSink = redisUrl
    ? new RedisSink({ url: redisUrl, spoolPath: redisSpoolPathFor(config.logging.logFilePath), maxLen: config.storage?.redisMaxLen })
    : undefined;
  const sink = combineSinks([pgSink, redisSink]);
  const relay = relayOptions(opts, config);
  return { config, endpoints, ...(beacon ? { beacon } : {}), ...(rpc.chainId !== undefined ? { source: { expectChainId: rpc.chainId } } : {}), ...(opts.checkpoint ? { checkpointPath: opts.checkpoint } : {}), ...(sink ? { sink } : {}), ...(relay ? { relay } : {}) };
}

/** `[beacon] url` in the config file. */
export function beaconUrlFromConfig(cfg: MonitorFileConfig): string | undefined {
  const b = cfg.other.beacon as { url?: unknown } | undefined;
  if (b?.url === undefined) return undefined;
  if (typeof b.url !== 'string') throw new UsageError('[beacon] url must be a URL string');
  return b.url;
}

/** --relay / [relay] urls, checked against --beacon / [beacon] url; undefined when no relay is given. */
function relayOptions(opts: WatchOptions, config: MonitorFileConfig): MonitorServiceOptions['relay'] {
  const rc = config.relay ?? defaultRelayConfig();
  const urls = opts.relay?.length ? opts.relay : rc.urls;
  if (urls.length === 0) return undefined;
  try {
    urls.forEach((u, i) => parseRelayUrl(opts.relay?.length ? `--relay #${i + 1}` : `relay.urls[${i}]`, u));
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const beacon = opts.beacon ?? beaconUrlFromConfig(config);
  if (!beacon) throw new UsageError('--relay needs a beacon node to check payloads against: give --beacon URL or [beacon] url');
  let slotBlocks;
  try {
    slotBlocks = new BeaconRestSlotBlocks(beacon);
  } catch (err) {
    throw new UsageError(`--beacon: ${(err as Error).message}`);
  }
  return { settings: { urls, criticalWei: rc.criticalWei, pollIntervalMs: rc.pollIntervalMs, lookbackSlots: rc.lookbackSlots, pageLimit: rc.pageLimit }, slotBlocks };
}

/**
 * Run until `signal` aborts or SIGINT/SIGTERM arrives; resolves with the exit code. A second
 * signal while stopping exits at once (the operator insists).
 */
export async function watchAction(opts: WatchOptions, signal?: AbortSignal, extra: Partial<MonitorServiceOptions> = {}): Promise<number> {
  const listen = opts.listen !== undefined ? parseListen(opts.listen) : undefined;
  const config = opts.config ? loadConfigFile(opts.config) : defaultConfig();
  if (config.chains) return watchChains(config.chains, opts, { signal, listen, extra });
  const options = { ...serviceOptionsFrom(config, opts), ...extra };
  // POST /expect judges with the monitor's node, as final as the config's [expect] asks.
  const expect = { ...expectSettingsFrom(options.config), alertThreshold: options.config.monitoring.alertThreshold };
  return runUntilStopped(new MonitorService(options), { records: options.config.logging.enableConsoleLogging, signal, listen, expect });
}

/** The HTTP API over `svc` (token from $MBM_API_TOKEN); undefined after printing why it cannot listen. */
async function startApi(svc: MonitorService, listen: { host: string; port: number }, expect?: LiveProviderOptions['expect']): Promise<RunningHttpServer | undefined> {
  return listenApi(listen, (o) => startLiveApi(svc, { ...o, expect }));
}

/** Start an API server with the token and error output of `mbm watch`; undefined after printing why it cannot listen. */
export async function listenApi(
  listen: { host: string; port: number },
  start: (o: { host: string; port: number; token: string | undefined; onError(e: Error): void }) => Promise<RunningHttpServer>,
): Promise<RunningHttpServer | undefined> {
  const err = colors(process.stderr);
  const token = apiToken(undefined);
  try {
    const api = await start({ ...listen, token, onError: (e) => process.stderr.write(`${err.red(`-- API error: ${safeText(e.message)}`)}\n`) });
    process.stderr.write(`${err.dim(`-- HTTP API on ${api.url}${token ? ' (bearer token required)' : ''}`)}\n`);
    return api;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    process.stderr.write(`mbm: cannot listen on ${listen.host}:${listen.port}: ${code === 'EADDRINUSE' ? 'address in use' : (e as Error).message}\n`);
    return undefined;
  }
}

/**
 * Resolves `requested` on SIGINT/SIGTERM or when `signal` aborts. A second signal while stopping
 * exits at once (the operator insists).
 */
export function stopRequest(signal?: AbortSignal): { requested: Promise<void>; dispose(): void } {
  const err = colors(process.stderr);
  let requestStop!: () => void;
  const requested = new Promise<void>((r) => (requestStop = r));
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
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    requested,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** Start `svc`, print what it reports, stop it cleanly on a signal. Shared with `mbm demo`. */
export async function runUntilStopped(
  svc: MonitorService,
  o: { records: boolean; signal?: AbortSignal; listen?: { host: string; port: number }; expect?: LiveProviderOptions['expect'] },
): Promise<number> {
  const err = colors(process.stderr);
  attachOutput(svc, { records: o.records });
  // Before start(), so the API sees the startup backfill and the first status too.
  const api = o.listen ? await startApi(svc, o.listen, o.expect) : undefined;
  if (o.listen && !api) return 1;
  const stop = stopRequest(o.signal);
  const ep = svc.endpoints;
  process.stderr.write(
    `${err.dim(`-- watching ${safeText(ep[0].label)}${ep.length > 1 ? ` (+${ep.length - 1} alternative${ep.length > 2 ? 's' : ''})` : ''}; log ${safeText(svc.logPath)}${svc.checkpoint ? `; checkpoint ${safeText(svc.checkpoint.file)}` : ''}`)}\n`,
  );
  try {
    await svc.start();
    await stop.requested;
    process.stderr.write(`${err.dim(`-- stopping: flushing the log${svc.checkpoint ? ' and the checkpoint' : ''}`)}\n`);
  } finally {
    await api?.close();
    await svc.stop();
    stop.dispose();
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
    .option('--config <file>', 'TOML config in the relay logger shape ([monitoring], [logging], [alerts], optional [rpc] urls; [[chains]] tables to watch several chains)')
    .option('--log <file>', 'JSONL log to write (overrides logging.log_file_path)')
    .option('--listen <host:port>', 'serve the HTTP API here (/health /stats /metrics /report /export /events, POST /expect; bearer token from $MBM_API_TOKEN)')
    .option('--checkpoint <file>', 'where to keep the last processed block (default: <log>.checkpoint.json)')
    .option('--relay <url>', 'check the payloads this relay delivered (its Data API) against the beacon chain; repeatable (default: [relay] urls)', collect)
    .option('--beacon <url>', 'follow this beacon node (REST API): missed slots with their proposers, reorgs; relay payloads are checked against it; without --rpc, alone (default: [beacon] url)')
    .option('--postgres <url>', 'also upsert every record into this PostgreSQL store (default: $MBM_POSTGRES_URL, else [storage] postgres_url)')
    .option('--redis <url>', 'also publish every record and alert to Redis Streams mbm:records / mbm:alerts (default: $MBM_REDIS_URL, else [storage] redis_url)')
    .action(async (opts: WatchOptions) => {
      const code = await watchAction(opts);
      if (code !== 0) process.exitCode = code;
    });
}
