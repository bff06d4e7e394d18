// New heads by HTTP polling: eth_getBlockByNumber('latest') every pollInterval. A source reports
// what it sees: when the head moved by more than one block between polls it emits only the new
// head (the monitor detects the gap); when the hash at the head changed it emits that too
// (a reorg or a node restarted on another chain).
import { parseBlock } from './block';
import { HttpRpcClient } from './rpc';
import { SourceBase, type SourceOptions } from './sourceBase';
import type { Endpoint } from './types';

export class HttpPollingSource extends SourceBase {
  private readonly rpc: HttpRpcClient;
  private timer: NodeJS.Timeout | undefined;

  constructor(endpoint: Endpoint, opts: SourceOptions = {}) {
    super(endpoint, opts);
    this.rpc = new HttpRpcClient(endpoint.url, { timeoutMs: opts.timeoutMs, label: endpoint.label, headers: opts.headers });
  }

  /** Resolves after the first poll (whatever its outcome); never rejects. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.poll(this.generation);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async poll(gen: number): Promise<void> {
    let delay: number;
    try {
      await this.checkChain(() => this.rpc.call<string>('eth_chainId'));
      const raw = await this.rpc.call('eth_getBlockByNumber', ['latest', false]);
      const receivedAt = Date.now() / 1000;
      if (gen !== this.generation) return;
      const b = parseBlock(raw, this.endpoint.label, this.chainId);
      this.succeeded();
      if (b.hash !== this.lastHash) this.emitBlock({ ...b, receivedAt });
      delay = this.opts.pollIntervalMs ?? 2_000;
    } catch (err) {
      if (gen !== this.generation) return;
      delay = this.failed(err);
    }
    if (this.running && gen === this.generation) this.timer = setTimeout(() => void this.poll(gen), delay);
  }
}
