// The one door blocks go through into the monitor, live or backfilled, strictly one at a time:
// processing a block may need network round trips (fetching the new branch of a reorg to measure
// its depth), and the monitor's verdicts depend on order. While a backfill runs, live blocks wait
// in a buffer and follow it, so the monitor sees the downtime first and the present after.
import { toClassified } from './chain/errors';
import type { BlockFetcher } from './chain/types';
import type { BlockInfo } from '../core/model';
import type { BlockMonitor } from '../core/monitor';

export interface PipelineHooks {
  /** The monitor's head after a block was processed (for the checkpoint). */
  onHead(b: BlockInfo): void;
  /** Processing failed (a bug, or the node went away mid-reorg); the pipeline goes on. */
  onError(err: Error): void;
}

type WithByHash = BlockFetcher & { getBlockByHash?: (hash: string) => Promise<BlockInfo | null> };

/** Deepest reorg we walk back block by block (the monitor's hash window bounds it anyway). */
const MAX_ANCESTOR_FETCHES = 256;

export class BlockPipeline {
  private tail: Promise<void> = Promise.resolve();
  private buffer: BlockInfo[] | undefined;
  private closed = false;
  /** The node answered that it has no block 0 (null, or a JSON-RPC error): resets are found by the reorg walk alone. */
  private noGenesis = false;

  constructor(
    private readonly monitor: BlockMonitor,
    private readonly fetchers: readonly BlockFetcher[],
    private readonly hooks: PipelineHooks,
  ) {}

  /** Start holding live blocks back (a backfill is about to run). */
  hold(): void {
    this.buffer ??= [];
  }

  /** Stop holding back: the buffered live blocks go in, in arrival order. */
  release(): Promise<void> {
    const held = this.buffer ?? [];
    this.buffer = undefined;
    for (const b of held) this.enqueue(b, false);
    return this.tail;
  }

  /** A block from the live source. */
  live(b: BlockInfo): void {
    if (this.closed) return;
    if (this.buffer) this.buffer.push(b);
    else this.enqueue(b, false);
  }

  /** A backfilled block; resolves once processed (so backfill cannot outrun the monitor). */
  historical(b: BlockInfo): Promise<void> {
    this.enqueue(b, true);
    return this.tail;
  }

  /** Resolves when everything queued so far is processed. */
  drain(): Promise<void> {
    return this.tail;
  }

  close(): void {
    this.closed = true;
    this.buffer = undefined;
  }

  private enqueue(b: BlockInfo, historical: boolean): void {
    this.tail = this.tail.then(() => this.process(b, historical)).catch((err: unknown) => this.hooks.onError(err as Error));
  }

  private async process(b: BlockInfo, historical: boolean): Promise<void> {
    if (this.closed) return;
    // A gap, a reorg or a lower head may be the node's chain beginning again (restarted without
    // its state): block 0's hash tells, before the block is judged as anything else.
    if (!this.noGenesis && this.monitor.needsGenesisCheck(b)) {
      const genesis = await this.fetchGenesis();
      if (genesis && !this.closed) this.monitor.noteGenesis(genesis.hash, b);
    }
    this.monitor.processBlock(b, { historical });
    await this.followReorg();
    // Written once, as deep as it was measured (the walk may have stopped short of the ancestor).
    this.monitor.endReorg();
    const head = this.monitor.lastProcessed();
    if (head) this.hooks.onHead({ ...head, parentHash: '', chainId: b.chainId, source: b.source });
  }

  /** Fetch the new branch back to the common ancestor, one block at a time, as the monitor asks. */
  private async followReorg(): Promise<void> {
    for (let i = 0; i < MAX_ANCESTOR_FETCHES && !this.closed; i++) {
      const need = this.monitor.neededAncestor();
      if (!need) return;
      const b = await this.fetchAncestor(need.number, need.hash);
      // The branch moved on again (or no node has it): leave the reorg measured as far as proven.
      if (!b || b.hash !== need.hash) return;
      this.monitor.supplyAncestors([b]);
    }
  }

  /** Block 0 from the primary node; null when it cannot be had now (the check waits for the next block). */
  private async fetchGenesis(): Promise<BlockInfo | null> {
    try {
      const b = (await this.fetchers[0]?.getBlock(0)) ?? null;
      if (!b) this.noGenesis = true;
      return b;
    } catch (err) {
      // A JSON-RPC error is the node's answer (no such block here); a transport error is asked again later.
      if (toClassified(err).reason === 'RpcError') this.noGenesis = true;
      return null;
    }
  }

  private async fetchAncestor(n: number, hash: string): Promise<BlockInfo | null> {
    let lastErr: unknown;
    for (const f of this.fetchers as WithByHash[]) {
      try {
        const b = f.getBlockByHash ? await f.getBlockByHash(hash) : await f.getBlock(n);
        if (b) return b;
      } catch (err) {
        lastErr = err;
      }
    }
    if (lastErr) this.hooks.onError(lastErr as Error);
    return null;
  }
}
