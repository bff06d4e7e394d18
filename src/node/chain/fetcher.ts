// Random access to blocks on one endpoint (recovery, backfill, head-lag). Many blocks go out as
// JSON-RPC batch requests, a few batches in flight at once, so a 500-block backfill is a handful
// of round trips without flooding the node. Every failure is a ClassifiedError.
import type { BlockInfo } from '../../core/model';
import { ClassifiedError } from './errors';
import { parseBlock } from './block';
import { createTransport } from './transport';
import type { RpcTransport, TransportOptions } from './rpc';
import type { BlockFetcher, Endpoint } from './types';

export interface FetcherOptions extends Pick<TransportOptions, 'timeoutMs' | 'headers'> {
  /** Requests per JSON-RPC batch. Default 100 (what most providers accept). */
  batchSize?: number;
  /** Batches in flight at once. Default 4. */
  maxConcurrentBatches?: number;
  /** Known chain id (skips eth_chainId). */
  chainId?: number;
}

const hex = (n: number) => `0x${n.toString(16)}`;

export class RpcFetcher implements BlockFetcher {
  private readonly rpc: RpcTransport;
  private chain: number | undefined;
  private readonly batchSize: number;
  private readonly concurrency: number;

  constructor(
    readonly endpoint: Endpoint,
    opts: FetcherOptions = {},
  ) {
    this.rpc = createTransport(endpoint.url, { ...opts, label: endpoint.label });
    this.chain = opts.chainId;
    this.batchSize = Math.max(1, opts.batchSize ?? 100);
    this.concurrency = Math.max(1, opts.maxConcurrentBatches ?? 4);
  }

  /** Cached after the first answer: a node does not change chains under us. */
  async chainId(): Promise<number> {
    this.chain ??= Number(await this.rpc.call<string>('eth_chainId'));
    return this.chain;
  }

  async headNumber(): Promise<number> {
    return Number(await this.rpc.call<string>('eth_blockNumber'));
  }

  async getBlock(n: number): Promise<BlockInfo | null> {
    const chainId = await this.chainId();
    const raw = await this.rpc.call('eth_getBlockByNumber', [hex(n), false]);
    return raw === null ? null : parseBlock(raw, this.endpoint.label, chainId, n);
  }

  async getBlockByHash(hash: string): Promise<BlockInfo | null> {
    const chainId = await this.chainId();
    const raw = await this.rpc.call('eth_getBlockByHash', [hash, false]);
    return raw === null ? null : parseBlock(raw, this.endpoint.label, chainId);
  }

  async getBlocks(numbers: readonly number[]): Promise<(BlockInfo | null)[]> {
    if (numbers.length === 0) return [];
    const chainId = await this.chainId();
    const out: (BlockInfo | null)[] = new Array(numbers.length).fill(null);
    const chunks: number[][] = [];
    for (let i = 0; i < numbers.length; i += this.batchSize) {
      chunks.push(Array.from({ length: Math.min(this.batchSize, numbers.length - i) }, (_, k) => i + k));
    }
    let next = 0;
    let failed: ClassifiedError | undefined;
    // A fixed pool of workers, each taking the next chunk: at most `concurrency` batches in flight.
    const worker = async () => {
      while (!failed && next < chunks.length) {
        const idx = chunks[next++]!;
        const outcomes = await this.rpc.batch(idx.map((i) => ({ method: 'eth_getBlockByNumber', params: [hex(numbers[i]!), false] })));
        outcomes.forEach((o, k) => {
          const i = idx[k]!;
          if (!o.ok) throw o.error;
          out[i] = o.result === null ? null : parseBlock(o.result, this.endpoint.label, chainId, numbers[i]);
        });
      }
    };
    const workers = Array.from({ length: Math.min(this.concurrency, chunks.length) }, () =>
      worker().catch((err: ClassifiedError) => {
        failed ??= err;
      }),
    );
    await Promise.all(workers);
    if (failed) throw failed;
    return out;
  }

  /** Release a WebSocket transport (no-op for HTTP). */
  close(): Promise<void> {
    return this.rpc.close();
  }
}
