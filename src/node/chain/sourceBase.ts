// What the WS and HTTP sources share: typed events that can never throw at the source (no 'error'
// listener is fine, a throwing listener is reported, not propagated), the up/down state machine,
// and the reconnect delay.
import { EventEmitter } from 'node:events';
import type { BlockInfo } from '../../core/model';
import { backoffDelay, type BackoffOptions } from '../../core/backoff';
import { Redactor } from '../../core/redact';
import { ClassifiedError, toClassified } from './errors';
import type { BlockSource, Endpoint, SourceEvents } from './types';

export interface SourceOptions {
  /** HTTP: time between polls. Default 2 s. */
  pollIntervalMs?: number;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  /** WS: an eth_blockNumber this often proves a quiet socket is still alive. Default 15 s. */
  heartbeatMs?: number;
  /** Reconnect/retry delays after failures. */
  backoff?: BackoffOptions;
  /** Known chain id, stamped on blocks (else asked once from the node). */
  chainId?: number;
  /** The chain the node must be on: a node answering another eth_chainId is down ("wrong chain id"). */
  expectChainId?: number;
  headers?: Record<string, string>;
}

export abstract class SourceBase extends EventEmitter implements BlockSource {
  protected running = false;
  /** Bumped on stop(), so late answers from an old run are dropped. */
  protected generation = 0;
  protected failures = 0;
  private downNow = false;
  protected lastHash: string | undefined;
  protected chainId: number | undefined;

  private redactor: Redactor | undefined;

  constructor(
    readonly endpoint: Endpoint,
    protected readonly opts: SourceOptions,
  ) {
    super();
    this.chainId = opts.chainId;
  }

  override on<E extends keyof SourceEvents>(event: E, listener: SourceEvents[E]): this {
    return super.on(event, listener);
  }

  override off<E extends keyof SourceEvents>(event: E, listener: SourceEvents[E]): this {
    return super.off(event, listener);
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  /** Between a 'down' and the next 'up'. */
  get isDown(): boolean {
    return this.downNow;
  }

  /** Emit without ever throwing into the source's own loop. */
  protected fire<E extends keyof SourceEvents>(event: E, ...args: Parameters<SourceEvents[E]>): void {
    for (const l of this.listeners(event)) {
      try {
        (l as (...a: unknown[]) => void)(...args);
      } catch (err) {
        process.emitWarning(`${this.endpoint.label}: '${event}' listener threw: ${String(err)}`, 'BlockSourceListenerError');
      }
    }
  }

  protected emitBlock(b: BlockInfo): void {
    this.lastHash = b.hash;
    this.fire('block', b);
  }

  /** A failed attempt: 'error' every time, 'down' once per outage. Returns the retry delay. */
  protected failed(err: unknown): number {
    const raw: ClassifiedError = toClassified(err, this.endpoint.label);
    // The URL may hold an API key (a provider's /v3/<key>); no library text leaves here with it.
    const scrub = (this.redactor ??= new Redactor([this.endpoint.url]));
    const c = new ClassifiedError(raw.reason, scrub.scrub(raw.message), { retryAfterMs: raw.retryAfterMs, detail: scrub.scrub(raw.detail) });
    this.failures++;
    this.fire('error', c.reason, c);
    if (!this.downNow) {
      this.downNow = true;
      this.fire('down', c.reason, c.detail);
    }
    return backoffDelay(this.failures, this.opts.backoff, c.retryAfterMs);
  }

  /**
   * Learn the node's chain id (once, or on every connection when one is expected) and refuse a
   * node on another chain: its blocks would be judged against the wrong history.
   */
  protected async checkChain(ask: () => Promise<string>): Promise<void> {
    const expect = this.opts.expectChainId;
    if (this.chainId !== undefined && (expect === undefined || this.chainChecked)) return;
    const id = Number(await ask());
    if (expect !== undefined && id !== expect) {
      throw new ClassifiedError('RpcError', `${this.endpoint.label}: eth_chainId is ${id}, expected ${expect}`, {
        detail: `wrong chain id: the node is on chain ${id}, expected ${expect}`,
      });
    }
    this.chainId = id;
    this.chainChecked = true;
  }

  /** The expected chain id was confirmed (the WS source asks again on every connection). */
  protected chainChecked = false;

  /** A successful attempt: 'up' if we were down. */
  protected succeeded(): void {
    this.failures = 0;
    if (this.downNow) {
      this.downNow = false;
      this.fire('up');
    }
  }
}
