// What the rules measure against: the injected clock, the block time in use (it changes when a
// chain preset or the measured interval takes over), whether missed slots are detected, and the
// fixed limits. Hands the rules their RuleContext. Pure: time only from the injected clock.
import type { BlockMonitoringConfig } from '../config';
import { slotsDetectable } from '../blockTime';
import type { HeldBlock } from './chainWindow';
import type { MonitorOptions } from './options';
import type { RuleContext } from './rules';

export class Pace {
  private readonly now: () => number;
  expectedSec: number;
  /** Missed-slot detection on: the chain's timestamps can show a slot (see slotsDetectable). */
  slots: boolean;
  /** Most records for one gap or one run of empty slots. */
  readonly maxGapRecords: number;
  private readonly genesis: number;
  private readonly maxBlockDelayMs: number;

  constructor(config: BlockMonitoringConfig, opts: MonitorOptions) {
    this.now = opts.now ?? Date.now;
    this.expectedSec = config.expectedBlockTimeMs / 1000;
    this.slots = slotsDetectable(config.detectMissedSlots, config.expectedBlockTimeMs);
    this.maxGapRecords = Math.max(1, opts.maxGapRecords ?? 10_000);
    this.genesis = opts.genesisTime ?? 0;
    this.maxBlockDelayMs = config.maxBlockDelayMs;
    if (!(this.expectedSec > 0)) throw new RangeError('expectedBlockTimeMs must be > 0');
  }

  /** A new block time (ms) and slot detection; true when the block time itself changed. */
  set(ms: number, slots: boolean): boolean {
    if (!(ms > 0)) throw new RangeError('block time must be > 0 ms');
    const changed = ms / 1000 !== this.expectedSec;
    this.expectedSec = ms / 1000;
    this.slots = slots;
    return changed;
  }

  /** The block time in use (ms) and whether missed slots are detected. */
  blockTime(): { ms: number; slots: boolean } {
    return { ms: Math.round(this.expectedSec * 1000), slots: this.slots };
  }

  ctx(): RuleContext {
    return {
      expectedSec: this.expectedSec,
      maxBlockDelayMs: this.maxBlockDelayMs,
      maxGapRecords: this.maxGapRecords,
      genesis: this.genesis,
      detectedAt: this.detectedAt(),
    };
  }

  nowSec(): number {
    return this.now() / 1000;
  }

  /** Detection time, unix s (integer). */
  detectedAt(): number {
    return Math.floor(this.nowSec());
  }

  /** When block n was due, from the head's timestamp; detection time when we hold no head. */
  expectedTimeOf(head: HeldBlock | undefined, n: number): number {
    return head ? Math.round(head.timestamp + (n - head.number) * this.expectedSec) : this.detectedAt();
  }
}
