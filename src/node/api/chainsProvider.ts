// The API over several MonitorServices in one process (`mbm watch` with [[chains]]): one server,
// one /events stream and ONE metrics registry whose series carry a `chain` label (a name from the
// config, so they stay few). Each chain keeps its own live provider over its own log; /health lists
// every chain, and /stats, /report, /export and POST /expect take `?chain=NAME` (without it /stats
// and /report answer for each chain by name, /export gives every chain's records, one log after
// the other; each log is collapsed on its own, since block numbers repeat across chains).
import { compileFilter, isEmptyFilter } from '../../core/recordFilter';
import { readRecordBatches } from '../log/reader';
import type { MonitorService } from '../service';
import { EventLog } from './events';
import { liveProvider, type LiveProviderOptions } from './liveProvider';
import { MissedBlockMetrics } from './metrics';
import type { ApiProvider, Health } from './provider';
import { HttpError } from './respond';
import { startProviderServer, type HttpServerOptions, type RunningHttpServer } from './server';

export interface ChainService {
  name: string;
  svc: MonitorService;
  /** POST /expect settings of this chain. */
  expect?: LiveProviderOptions['expect'];
}

export function chainsProvider(chains: readonly ChainService[], o: Omit<LiveProviderOptions, 'expect' | 'shared'> = {}): ApiProvider {
  const names = chains.map((c) => c.name);
  const metrics = new MissedBlockMetrics({ ...o.metrics, live: true, chains: names });
  const events = new EventLog(o.eventRing);
  const subs = new Map(chains.map((c) => [c.name, { svc: c.svc, api: liveProvider(c.svc, { ...o, expect: c.expect, shared: { metrics: metrics.forChain(c.name), events, chain: c.name } }) }]));
  const one = (chain: string | undefined) => {
    const name = chain ?? (names.length === 1 ? names[0] : undefined);
    if (name === undefined) throw new HttpError(400, `several chains are watched: say which with ?chain= (one of ${names.join(', ')})`);
    const sub = subs.get(name);
    if (!sub) throw new HttpError(400, `chain must be one of ${names.join(', ')}, got ${JSON.stringify(name)}`);
    return sub;
  };

  return {
    mode: 'live',
    chains: names,
    metrics,
    events,
    async health(chain): Promise<Health> {
      if (chain !== undefined) return one(chain).api.health();
      const each = await Promise.all(chains.map(async (c) => ({ name: c.name, h: await subs.get(c.name)!.api.health() })));
      const up = each.filter((e) => e.h.ok).length;
      // 200 only when every chain has a node that answers: a chain gone quiet is what an operator must hear.
      const status = up === each.length ? 'ok' : up === 0 ? 'down' : 'degraded';
      return { ok: up === each.length, body: { status, mode: 'live', chains: each.map((e) => ({ name: e.name, ...e.h.body })) } };
    },
    stats: async (chain) => one(chain).api.stats(),
    report: async (chain) => one(chain).api.report(),
    exportFiles: async (chain) => one(chain).api.exportFiles(),
    async *exportRecords(filter, chain) {
      const compiled = isEmptyFilter(filter) ? undefined : compileFilter(filter);
      const picked = chain !== undefined ? [one(chain)] : [...subs.values()];
      for (const sub of picked) for (const f of await sub.api.exportFiles()) yield* readRecordBatches(f, { filter: compiled });
    },
    async expect(expectations, chain) {
      return one(chain).api.expect!(expectations);
    },
    async refreshMetrics() {
      await Promise.all([...subs.values()].map((s) => s.api.refreshMetrics()));
    },
    async close() {
      await Promise.all([...subs.values()].map((s) => s.api.close()));
    },
  };
}

/** `mbm watch --listen` with [[chains]]: the provider and the server together; close() stops both. */
export async function startChainsApi(chains: readonly ChainService[], o: Omit<HttpServerOptions, 'provider'> & Omit<LiveProviderOptions, 'expect' | 'shared'>): Promise<RunningHttpServer> {
  return startProviderServer(chainsProvider(chains, o), o);
}
