// New heads over a WebSocket `newHeads` subscription. On (re)connect it also reads 'latest' once,
// so a consumer learns the current head at once instead of at the next block. A heartbeat
// (eth_blockNumber) catches a socket that stays open but stops answering; a lost socket is
// reconnected with backoff and re-subscribed.
import { parseBlock } from './block';
import { toClassified } from './errors';
import { SourceBase, type SourceOptions } from './sourceBase';
import type { Endpoint } from './types';
import { WsRpcClient } from './wsRpc';

export class WsSource extends SourceBase {
  private client: WsRpcClient | undefined;
  private subId: string | undefined;
  /** A notification arrived on this connection, so its 'latest' read would be stale. */
  private sawHead = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(endpoint: Endpoint, opts: SourceOptions = {}) {
    super(endpoint, opts);
  }

  /** Resolves after the first connection attempt (whatever its outcome); never rejects. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.connect(this.generation);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.heartbeatTimer);
    const c = this.client;
    this.client = undefined;
    await c?.close();
  }

  private async connect(gen: number): Promise<void> {
    const client: WsRpcClient = new WsRpcClient(this.endpoint.url, {
      timeoutMs: this.opts.timeoutMs,
      label: this.endpoint.label,
      headers: this.opts.headers,
      onNotification: (sub, result) => this.onHead(client, sub, result),
      onClose: (err) => this.lost(client, gen, err),
    });
    this.client = client;
    this.subId = undefined;
    this.sawHead = false;
    this.chainChecked = false;
    try {
      await client.connect();
      await this.checkChain(() => client.call<string>('eth_chainId'));
      this.subId = await client.call<string>('eth_subscribe', ['newHeads']);
      const raw = await client.call('eth_getBlockByNumber', ['latest', false]);
      const receivedAt = Date.now() / 1000;
      if (gen !== this.generation || this.client !== client) return;
      this.succeeded();
      if (!this.sawHead) {
        const b = parseBlock(raw, this.endpoint.label, this.chainId);
        if (b.hash !== this.lastHash) this.emitBlock({ ...b, receivedAt });
      }
      this.scheduleHeartbeat(client, gen);
    } catch (err) {
      this.lost(client, gen, err);
    }
  }

  private onHead(client: WsRpcClient, sub: string, result: unknown): void {
    if (client !== this.client || sub !== this.subId) return;
    const receivedAt = Date.now() / 1000;
    try {
      const b = parseBlock(result, this.endpoint.label, this.chainId);
      this.sawHead = true;
      this.emitBlock({ ...b, receivedAt });
    } catch (err) {
      // InvalidBlock: reported, but the connection itself is fine, so not 'down'.
      const c = toClassified(err, this.endpoint.label);
      this.fire('error', c.reason, c);
    }
  }

  private scheduleHeartbeat(client: WsRpcClient, gen: number): void {
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = setTimeout(() => {
      client.call('eth_blockNumber').then(
        () => {
          if (client === this.client) this.scheduleHeartbeat(client, gen);
        },
        (err: unknown) => this.lost(client, gen, err),
      );
    }, this.opts.heartbeatMs ?? 15_000);
  }

  /** This connection is finished: drop it, report, and try again after a backoff. */
  private lost(client: WsRpcClient, gen: number, err: unknown): void {
    if (gen !== this.generation || client !== this.client || !this.running) return;
    clearTimeout(this.heartbeatTimer);
    this.client = undefined;
    void client.close();
    const delay = this.failed(err);
    this.reconnectTimer = setTimeout(() => {
      if (this.running && gen === this.generation) void this.connect(gen);
    }, delay);
  }
}
