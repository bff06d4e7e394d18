// `mbm watch --config FILE` where the file has [[chains]]: one MonitorService per chain (its own
// endpoints, log, checkpoint and alert outbox), one HTTP API with one metrics registry labelled by
// chain, and every console line prefixed with the chain's name.
import { ConfigError } from '../../core/config';
import { underChain, type ChainConfig } from '../../core/chainsConfig';
import { startChainsApi, type ChainService } from '../../node/api/chainsProvider';
import { expectSettingsFrom } from '../../node/expect/settings';
import { MonitorService, type MonitorServiceOptions } from '../../node/service';
import { colors, safeText } from '../../node/consoleText';
import { attachOutput } from '../serviceOutput';
import { UsageError } from '../util';
import { listenApi, serviceOptionsFrom, stopRequest, type WatchOptions } from './watch';

/** Flags that name one chain's endpoints or files: with [[chains]] they would be a guess. */
const ONE_CHAIN_FLAGS = ['rpc', 'beacon', 'relay', 'log', 'checkpoint'] as const;

/** Each chain's service options; throws ConfigError / UsageError naming `chains[i]`. */
export function chainServiceOptions(chains: readonly ChainConfig[], opts: WatchOptions): { name: string; options: MonitorServiceOptions }[] {
  for (const flag of ONE_CHAIN_FLAGS) {
    const v = opts[flag];
    if (v !== undefined && (!Array.isArray(v) || v.length > 0)) throw new UsageError(`--${flag}: the config has [[chains]]; give each chain its ${flag === 'log' ? 'log_file' : flag} in its own [[chains]] table`);
  }
  return chains.map((c) => {
    try {
      return { name: c.name, options: underChain(c.key, () => serviceOptionsFrom(c.config, { ...opts, config: undefined })) };
    } catch (err) {
      if (err instanceof UsageError) throw new UsageError(`${c.key}: ${err.message}`);
      if (err instanceof ConfigError && opts.config && !err.file) throw new ConfigError(err.key, err.value, err.expected, opts.config);
      throw err;
    }
  });
}

/**
 * Two tables whose nodes turn out to be on one chain (ids the config did not pin): said once, as a
 * warning of the later one; both keep running (comparing two nodes is what alternatives are for).
 */
function warnSameChain(running: readonly ChainService[]): void {
  const said = new Set<number>();
  for (const c of running) {
    const onStats = () => {
      const id = c.svc.chainIdSeen;
      if (id === undefined) return;
      c.svc.off('stats', onStats);
      const other = running.find((o) => o !== c && o.svc.chainIdSeen === id);
      if (!other || said.has(id)) return;
      said.add(id);
      c.svc.emit('warning', `chain id ${id} is also ${other.name}'s: two [[chains]] tables watch one chain (its records go to two logs)`);
    };
    c.svc.on('stats', onStats);
  }
}

/** Run every chain until `signal` aborts or SIGINT/SIGTERM; resolves with the exit code. */
export async function watchChains(
  chains: readonly ChainConfig[],
  opts: WatchOptions,
  o: { signal?: AbortSignal; listen?: { host: string; port: number }; extra?: Partial<MonitorServiceOptions> },
): Promise<number> {
  const err = colors(process.stderr);
  const running: ChainService[] = chainServiceOptions(chains, opts).map(({ name, options }) => {
    const all = { ...options, ...o.extra };
    const svc = new MonitorService(all);
    attachOutput(svc, { records: all.config.logging.enableConsoleLogging, chain: name });
    return { name, svc, expect: { ...expectSettingsFrom(all.config), alertThreshold: all.config.monitoring.alertThreshold } };
  });
  warnSameChain(running);
  // Before start(), so the API sees the startup backfills and the first statuses too.
  const api = o.listen ? await listenApi(o.listen, (l) => startChainsApi(running, l)) : undefined;
  if (o.listen && !api) return 1;
  const stop = stopRequest(o.signal);
  for (const { name, svc } of running) {
    const ep = svc.endpoints;
    process.stderr.write(`${err.dim(`-- [${name}] watching ${safeText(ep[0].label)}${ep.length > 1 ? ` (+${ep.length - 1})` : ''}; log ${safeText(svc.logPath)}`)}\n`);
  }
  try {
    await Promise.all(running.map((c) => c.svc.start()));
    await stop.requested;
    process.stderr.write(`${err.dim('-- stopping: flushing every chain\'s log and checkpoint')}\n`);
  } finally {
    await api?.close();
    await Promise.all(running.map((c) => c.svc.stop()));
    stop.dispose();
  }
  let code = 0;
  for (const { name, svc } of running) {
    if (svc.pendingWrites === 0) continue;
    process.stderr.write(`${err.red(`-- [${name}] ${svc.pendingWrites} records could not be written to ${safeText(svc.logPath)}`)}\n`);
    code = 1;
  }
  return code;
}
