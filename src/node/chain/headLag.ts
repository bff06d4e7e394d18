// Compares the heads of several endpoints: one that stays more than N blocks behind the best is
// a node that stopped following the chain (→ delayed / NodeUnresponsive, README, "What is detected"),
// even if it still answers RPC. Rounds never overlap; a failing endpoint is reported, not fatal.
import { EventEmitter } from 'node:events';
import type { MissedBlockReason } from '../../core/model';
import { toClassified, type ClassifiedError } from './errors';
import type { BlockFetcher, Endpoint } from './types';

export interface HeadLagOptions {
  /** Lagging = best head − this head > thresholdBlocks. */
  thresholdBlocks: number;
  intervalMs: number;
}

export interface HeadLag {
  endpoint: Endpoint;
  head: number;
  best: number;
  lag: number;
  /** The reason a lag is recorded under. */
  reason: MissedBlockReason;
}

export interface HeadLagRound {
  at: number;
  best: number | undefined;
  heads: Map<string, number>;
  lagging: HeadLag[];
  failed: { endpoint: Endpoint; error: ClassifiedError }[];
}

export interface HeadLagEvents {
  /** Every round's full picture. */
  round: (r: HeadLagRound) => void;
  /** An endpoint went from in step to lagging. */
  lagging: (lag: HeadLag) => void;
  /** A lagging endpoint is within the threshold again. */
  caughtUp: (endpoint: Endpoint, head: number, best: number) => void;
  error: (endpoint: Endpoint, reason: MissedBlockReason, err: ClassifiedError) => void;
}

export class HeadLagChecker extends EventEmitter {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly lagging = new Set<string>();

  constructor(
    private readonly fetchers: readonly BlockFetcher[],
    private readonly opts: HeadLagOptions,
  ) {
    super();
  }

  override on<E extends keyof HeadLagEvents>(event: E, listener: HeadLagEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof HeadLagEvents>(event: E, listener: HeadLagEvents[E]): this {
    return super.off(event, listener);
  }

  /** One round: every head in parallel. Never rejects. */
  async check(): Promise<HeadLagRound> {
    const settled = await Promise.allSettled(this.fetchers.map((f) => f.headNumber()));
    const heads = new Map<string, number>();
    const failed: HeadLagRound['failed'] = [];
    settled.forEach((s, i) => {
      const endpoint = this.fetchers[i]!.endpoint;
      if (s.status === 'fulfilled') heads.set(endpoint.label, s.value);
      else failed.push({ endpoint, error: toClassified(s.reason, endpoint.label) });
    });
    const best = heads.size ? Math.max(...heads.values()) : undefined;
    const lagging: HeadLag[] = [];
    for (const f of this.fetchers) {
      const head = heads.get(f.endpoint.label);
      if (head === undefined || best === undefined) continue;
      const lag = best - head;
      if (lag > this.opts.thresholdBlocks) {
        const l: HeadLag = { endpoint: f.endpoint, head, best, lag, reason: 'NodeUnresponsive' };
        lagging.push(l);
        if (!this.lagging.has(f.endpoint.label)) {
          this.lagging.add(f.endpoint.label);
          this.fire('lagging', l);
        }
      } else if (this.lagging.delete(f.endpoint.label)) {
        this.fire('caughtUp', f.endpoint, head, best);
      }
    }
    for (const { endpoint, error } of failed) this.fire('error', endpoint, error.reason, error);
    const round: HeadLagRound = { at: Date.now() / 1000, best, heads, lagging, failed };
    this.fire('round', round);
    return round;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      await this.check();
      if (this.running) this.timer = setTimeout(() => void loop(), this.opts.intervalMs);
    };
    void loop();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** Emit without an 'error'-without-listener crash or a listener's throw reaching the loop. */
  private fire<E extends keyof HeadLagEvents>(event: E, ...args: Parameters<HeadLagEvents[E]>): void {
    for (const l of this.listeners(event)) {
      try {
        (l as (...a: unknown[]) => void)(...args);
      } catch (err) {
        process.emitWarning(`head-lag '${event}' listener threw: ${String(err)}`, 'HeadLagListenerError');
      }
    }
  }
}
