// A restart's backfill from the checkpoint (resume.ts plans and runs it), retried with backoff while
// the node cannot be reached; a node that answers again cuts the wait short. Each step is the
// service's 'backfill' event.
import { backoffDelay } from '../../core/backoff';
import type { BlockMonitor } from '../../core/monitor';
import type { Checkpoint } from '../checkpoint';
import { toClassified } from '../chain/errors';
import type { RpcFetcher } from '../chain/fetcher';
import type { BlockPipeline } from '../pipeline';
import { planResume, runResume } from '../resume';
import { abortableSleep } from '../sleep';
import type { BackfillEvent } from './types';

export interface ResumeLoopDeps {
  primary: RpcFetcher;
  monitor: BlockMonitor;
  pipeline: BlockPipeline;
  maxBlocks: number;
  backfill?: { windowSize?: number; concurrency?: number };
  signal: AbortSignal;
  emit: (e: BackfillEvent) => void;
  warn: (message: string) => void;
  /** The chain id, learned from the primary when the service has none yet. */
  chainIdKnown: () => boolean;
  setChainId: (id: number) => void;
}

export class ResumeLoop {
  private retryNow: AbortController | undefined;

  constructor(private readonly d: ResumeLoopDeps) {}

  /** The node answers again: a backfill waiting to retry need not wait out its backoff. */
  wake(): void {
    this.retryNow?.abort();
  }

  async run(saved: Checkpoint): Promise<void> {
    const { primary, monitor, signal } = this.d;
    for (let attempt = 1; !signal.aborted; attempt++) {
      // A retry after a partial backfill continues from what the monitor has already seen.
      const last = attempt > 1 ? monitor.lastProcessed() : undefined;
      const cp: Checkpoint = last ? { ...saved, ...last } : saved;
      try {
        const plan = await planResume(primary, cp, { maxBlocks: this.d.maxBlocks });
        if (!this.d.chainIdKnown()) this.d.setChainId(await primary.chainId());
        if (plan.action === 'reset') {
          // The first live block is checked against the checkpoint's genesis: one chain_reset record.
          monitor.seed(cp);
          this.d.emit({ phase: 'skipped', why: plan.why });
          return;
        }
        if (plan.action === 'fresh') {
          this.d.emit({ phase: 'skipped', why: plan.why });
          this.d.warn(`not resuming from checkpoint: ${plan.why}`);
          return;
        }
        if (plan.skipped > 0) this.d.warn(`downtime of ${plan.skipped + plan.to - plan.from + 1} blocks: backfilling the last ${plan.to - plan.from + 1} only`);
        this.d.emit({ phase: 'start', from: plan.from, to: plan.to, skipped: plan.skipped });
        const res = await runResume({
          fetcher: primary,
          monitor,
          pipeline: this.d.pipeline,
          cp,
          plan,
          ...this.d.backfill,
          onProgress: (p) => this.d.emit({ phase: 'progress', ...p }),
          signal,
        });
        this.d.emit({ phase: 'done', from: res.from, to: res.to, count: res.count });
        return;
      } catch (err) {
        const c = toClassified(err, 'backfill');
        const delayMs = backoffDelay(attempt, { initialMs: 500, maxMs: 30_000 }, c.retryAfterMs);
        this.d.emit({ phase: 'retry', reason: c.reason, message: c.message, delayMs });
        this.retryNow = new AbortController();
        await abortableSleep(delayMs, AbortSignal.any([signal, this.retryNow.signal]));
        this.retryNow = undefined;
      }
    }
  }
}
