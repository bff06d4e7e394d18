// The contract between block sources (WebSocket/HTTP feeds over ethers) and everything that
// consumes them (monitor wiring, recovery, backfill). Sources never throw at their consumers:
// transport trouble arrives as a classified reason.
import type { BlockInfo, MissedBlockReason } from '../../core/model';

export interface Endpoint {
  /** Short label written into records as `source` (never the full URL: it may hold an API key). */
  label: string;
  url: string;
}

export interface SourceEvents {
  block: (b: BlockInfo) => void;
  /** A transport or RPC problem, already classified (ConnectionLost, Timeout, RateLimitExceeded, RpcError...). */
  error: (reason: MissedBlockReason, err: Error) => void;
  /** The endpoint answers again after being down. */
  up: () => void;
  /** `detail` says why in words an operator can act on (HTTP status, handshake, TLS, not JSON-RPC, wrong chain id). */
  down: (reason: MissedBlockReason, detail: string) => void;
}

/** A live feed of new heads from one endpoint (WS newHeads, or HTTP polling). */
export interface BlockSource {
  readonly endpoint: Endpoint;
  on<E extends keyof SourceEvents>(event: E, listener: SourceEvents[E]): this;
  off<E extends keyof SourceEvents>(event: E, listener: SourceEvents[E]): this;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Random access to blocks on one endpoint, for recovery, backfill and head-lag checks. */
export interface BlockFetcher {
  readonly endpoint: Endpoint;
  chainId(): Promise<number>;
  headNumber(): Promise<number>;
  getBlock(n: number): Promise<BlockInfo | null>;
  /** Many blocks in JSON-RPC batch requests with bounded concurrency; null where the node has none. */
  getBlocks(numbers: readonly number[]): Promise<(BlockInfo | null)[]>;
}
