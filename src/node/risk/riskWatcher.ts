// The early-warning loop: every slot it probes each endpoint (latency, head, eth_syncing,
// net_peerCount, txpool_status where offered), folds in what the live source reported since
// (block arrival delay, errors by reason, reconnects), scores each source (rules, or the model
// from `[risk] model`), appends one line per source to `<log>.features.jsonl`, and emits the
// update. Rounds never overlap; a failing endpoint is a signal, never a crash.
import { EventEmitter } from 'node:events';
import { appendFile } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import type { BlockInfo } from '../../core/model';
import { RiskTracker, parseRiskModel, type RiskConfig, type RiskObservation, type RiskModel, type RiskUpdate, type FeaturesLine } from '../../core/risk';
import { createTransport } from '../chain/transport';
import type { RpcTransport } from '../chain/rpc';
import type { Endpoint } from '../chain/types';
import { EndpointProbe } from './probe';

export interface RiskWatcherOptions {
  endpoints: readonly Endpoint[];
  config: RiskConfig;
  model?: RiskModel;
  blockTimeS: number;
  /** Between rounds. Default one block time. */
  intervalMs?: number;
  /** Features log path; undefined: none. */
  featuresPath?: string;
  /** Each probe call's timeout. Default half a slot (probeTimeoutMs). */
  timeoutMs?: number;
  /** Unix seconds. */
  now?: () => number;
  onWarning?: (m: string) => void;
  /** Each source's raw observation of a round, before it is scored (the benchmark replays them). */
  onObservation?: (source: string, ob: RiskObservation) => void;
}

/**
 * A probe gives up after half a slot (at least 250 ms): a node that takes longer than that to say
 * its head is itself the warning, and waiting a whole slot for it would give the warning late.
 */
export function probeTimeoutMs(blockTimeS: number): number {
  return Math.max(250, Math.round(blockTimeS * 500));
}

/** `<log>.features.jsonl`, beside the log. */
export function featuresPathFor(logPath: string): string {
  return `${logPath.replace(/\.jsonl$/, '')}.features.jsonl`;
}

/** Weights JSON from `mbm train`; errors name the file and the field. */
export async function loadRiskModel(path: string): Promise<RiskModel> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`risk.model: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error(`risk.model: ${path} is not JSON (expected weights written by \`mbm train\`)`);
  }
  return parseRiskModel(v, `risk.model ${path}`);
}

export interface RiskWatcherEvents {
  risk: (u: RiskUpdate) => void;
}

export class RiskWatcher extends EventEmitter {
  private readonly tracker: RiskTracker;
  private readonly rpcs: RpcTransport[];
  private readonly probes: EndpointProbe[];
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private pending = { arrival: undefined as number | undefined, block: undefined as number | undefined, errors: {} as Record<string, number>, reconnects: 0 };
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly o: RiskWatcherOptions) {
    super();
    this.tracker = new RiskTracker({ threshold: o.config.threshold, blockTimeS: o.blockTimeS, alertAfterSlots: o.config.alertAfterSlots, model: o.model });
    this.rpcs = o.endpoints.map((e) => createTransport(e.url, { label: e.label, timeoutMs: o.timeoutMs ?? probeTimeoutMs(o.blockTimeS) }));
    this.probes = this.rpcs.map((r) => new EndpointProbe(r));
    this.now = o.now ?? (() => Date.now() / 1000);
  }

  override on<E extends keyof RiskWatcherEvents>(event: E, listener: RiskWatcherEvents[E]): this {
    return super.on(event, listener);
  }

  /** The primary's live source delivered a block. */
  block(b: BlockInfo): void {
    const at = b.receivedAt ?? this.now();
    this.pending.arrival = Math.round((at - b.timestamp) * 1000) / 1000;
    this.pending.block = b.number;
  }

  /** The primary's live source reported a classified error. */
  sourceError(reason: string): void {
    this.pending.errors[reason] = (this.pending.errors[reason] ?? 0) + 1;
  }

  /** The primary's live source came back after being down. */
  reconnected(): void {
    this.pending.reconnects++;
  }

  /** Optional methods each endpoint refused (label → methods). */
  unsupported(): Record<string, string[]> {
    return Object.fromEntries(this.o.endpoints.map((e, i) => [e.label, [...this.probes[i]!.unsupported]]));
  }

  latest(): RiskUpdate[] {
    return this.tracker.latest();
  }

  /** One round over every endpoint. Never rejects. */
  async round(): Promise<RiskUpdate[]> {
    const results = await Promise.all(this.probes.map((p) => p.probe()));
    const at = this.now();
    const heads = results.flatMap((r) => (r.head === undefined ? [] : [r.head]));
    const best = heads.length ? Math.max(...heads) : undefined;
    const pend = this.pending;
    this.pending = { arrival: undefined, block: undefined, errors: {}, reconnects: 0 };
    const updates = results.map((r, i) => {
      const primary = i === 0;
      const errors = { ...r.errors };
      if (primary) for (const [k, n] of Object.entries(pend.errors)) errors[k] = (errors[k] ?? 0) + n;
      const ob: RiskObservation = {
        at,
        latenciesMs: [r.latencyMs],
        headLag: best !== undefined && r.head !== undefined ? best - r.head : undefined,
        arrivalDelayS: primary ? pend.arrival : undefined,
        errors,
        reconnects: primary ? pend.reconnects : 0,
        syncing: r.syncing,
        peers: r.peers,
        txpoolPending: r.txpoolPending,
      };
      const label = this.o.endpoints[i]!.label;
      this.o.onObservation?.(label, ob);
      return this.tracker.observe(label, ob);
    });
    this.log(updates, pend.block ?? (results[0]?.head));
    for (const u of updates) this.emit('risk', u);
    return updates;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      await this.round().catch((e: Error) => this.o.onWarning?.(`risk: ${e.message}`));
      if (this.running) this.timer = setTimeout(() => void loop(), this.o.intervalMs ?? this.o.blockTimeS * 1000);
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.writes;
    await Promise.all(this.rpcs.map((r) => r.close().catch(() => undefined)));
  }

  private log(updates: RiskUpdate[], block: number | undefined): void {
    const path = this.o.featuresPath;
    if (!path || updates.length === 0) return;
    const text = updates
      .map((u) => {
        const line: FeaturesLine = { t: Math.round(u.at * 1000) / 1000, source: u.source, ...(block !== undefined ? { block } : {}), score: u.risk.score, by: u.risk.by, f: u.features as unknown as Record<string, number> };
        return JSON.stringify(line);
      })
      .join('\n');
    this.writes = this.writes.then(() => appendFile(path, `${text}\n`)).catch((e: Error) => this.o.onWarning?.(`features log ${path}: ${e.message}`));
  }
}
