// One probe round against one endpoint for the early-warning signals: eth_blockNumber timed (RPC
// latency, head), and where the node offers them eth_syncing, net_peerCount and txpool_status. A
// method the node refuses (an RPC error, e.g. method not found) is remembered and not asked again;
// a transport failure (timeout, refused connection) is counted as an error by reason.
import { RpcResponseError, toClassified } from '../chain/errors';
import type { RpcTransport } from '../chain/rpc';

export interface ProbeResult {
  latencyMs: number;
  head?: number;
  errors: Record<string, number>;
  syncing?: boolean;
  peers?: number;
  txpoolPending?: number;
}

const OPTIONAL = ['eth_syncing', 'net_peerCount', 'txpool_status'] as const;

/**
 * Whether the node answered with a JSON-RPC error (somewhere on the cause chain). By name as well
 * as by class: a second copy of the errors module (a loader that isolates module graphs, as the
 * benchmark's does) makes instanceof fail, and every round then counted a refused optional
 * method as an RPC error.
 */
export function isRpcAnswer(e: unknown): boolean {
  let x: unknown = e;
  for (let i = 0; i < 4 && x instanceof Error; i++, x = (x as { cause?: unknown }).cause) {
    if (x instanceof RpcResponseError || x.name === 'RpcResponseError') return true;
  }
  return false;
}

export class EndpointProbe {
  /** Optional methods this node refused. */
  readonly unsupported = new Set<string>();

  constructor(
    private readonly rpc: RpcTransport,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async probe(): Promise<ProbeResult> {
    const errors: Record<string, number> = {};
    const t0 = this.now();
    const out: ProbeResult = { latencyMs: 0, errors };
    // The optional methods go out together with eth_blockNumber, so a slow node costs a round one
    // timeout, not two; their transport failures count only when the head answered (a node that
    // is not answering at all is one error, not four).
    const optional = Promise.all(OPTIONAL.filter((m) => !this.unsupported.has(m)).map(async (m) => {
      try {
        const v = await this.rpc.call<unknown>(m);
        if (m === 'eth_syncing') out.syncing = v !== false && v !== null;
        else if (m === 'net_peerCount') out.peers = Number(v);
        else if (v && typeof v === 'object' && 'pending' in v) out.txpoolPending = Number((v as { pending: unknown }).pending);
        return undefined;
      } catch (e) {
        // The node answered with a JSON-RPC error (method not found, not enabled): it does not offer it.
        if (isRpcAnswer(e)) {
          this.unsupported.add(m);
          return undefined;
        }
        return toClassified(e).reason;
      }
    }));
    try {
      out.head = Number(await this.rpc.call<string>('eth_blockNumber'));
    } catch (e) {
      const c = toClassified(e);
      errors[c.reason] = (errors[c.reason] ?? 0) + 1;
    }
    out.latencyMs = Math.round((this.now() - t0) * 10) / 10;
    const failed = await optional;
    if (out.head === undefined) return out;
    for (const reason of failed) if (reason) errors[reason] = (errors[reason] ?? 0) + 1;
    return out;
  }
}
