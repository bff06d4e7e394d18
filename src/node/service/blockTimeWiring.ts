// The block time a running service judges slots by (core/blockTime.ts: config, chain preset, or
// measured from the first live blocks), applied to the monitor and to the live source's polling,
// with the one-off line that says where it came from as the service's 'notice'.
import { BlockTimeResolver, type BlockTimeInUse, type BlockTimeNews } from '../../core/blockTime';
import type { BlockMonitoringConfig } from '../../core/config';
import type { BlockMonitor } from '../../core/monitor';
import type { BlockSource } from '../chain/types';

/**
 * Polling slower than the chain makes blocks would skip heads and log false gaps: half the block
 * time, within 100 ms … 2 s; 1 s while the block time is still unknown (not configured, no preset yet).
 */
export function pollIntervalFor(t: BlockTimeInUse): number {
  return t.source === 'default' ? 1_000 : Math.max(100, Math.min(2_000, Math.floor(t.ms / 2)));
}

export class ServiceBlockTime {
  private readonly resolver: BlockTimeResolver;
  private source: BlockSource | undefined;

  /** `pollFixed`: the source's poll interval was set by the caller and is left alone. */
  constructor(
    m: BlockMonitoringConfig,
    private readonly monitor: BlockMonitor,
    private readonly notice: (message: string) => void,
    private readonly pollFixed: boolean,
  ) {
    this.resolver = new BlockTimeResolver({ configuredMs: m.expectedBlockTimeMs, explicit: m.expectedBlockTimeExplicit, detect: m.detectMissedSlots });
    this.apply(this.resolver.inUse());
  }

  inUse(): BlockTimeInUse {
    return this.resolver.inUse();
  }

  /** The live source's first poll interval. */
  pollIntervalMs(): number {
    return pollIntervalFor(this.inUse());
  }

  /** The live source whose polling follows the block time from now on. */
  attach(source: BlockSource): void {
    this.source = source;
  }

  start(): void {
    this.news(this.resolver.start());
  }

  /** A live block: its chain id (a preset) and its timestamp (the measurement). */
  block(b: { number: number; timestamp: number; receivedAt?: number; chainId?: number }): void {
    if (b.chainId !== undefined) this.news(this.resolver.chainId(b.chainId));
    this.news(this.resolver.observe(b));
  }

  private news(news: BlockTimeNews | undefined): void {
    if (!news) return;
    this.apply(news.inUse);
    if (news.message) this.notice(news.message);
  }

  private apply(t: BlockTimeInUse): void {
    this.monitor.setBlockTime(t.ms, t.slots);
    if (this.source && !this.pollFixed) this.source.setPollInterval?.(pollIntervalFor(t));
  }
}
