// The block time the monitor judges slots by, and whether the chain can show missed slots at all.
// Pure: block timestamps and arrival times come in as numbers.
//
// Order of precedence: expected_block_time when the user set it; else the chain's preset (by
// eth_chainId); else the median interval measured over the first live blocks (the default is used
// meanwhile, with missed-slot detection off until the measurement is in).
//
// Chain presets and their sources:
// - Ethereum mainnet (1), Sepolia (11155111), Holesky (17000), Hoodi (560048): SECONDS_PER_SLOT 12,
//   in ethereum/consensus-specs configs/mainnet.yaml and the networks' config.yaml in
//   eth-clients/sepolia, eth-clients/holesky, eth-clients/hoodi.
// - OP Mainnet (10), Base (8453): `block_time: 2` in the OP Stack rollup configs of
//   ethereum-optimism/superchain-registry.
// - Arbitrum One (42161): no fixed slots; the sequencer makes a block when it has transactions
//   (about 250 ms apart), per the Arbitrum docs "Block numbers and time".
// - Polygon PoS (137): 2 s, Bor's block period: `Period: 2` in the Bor config of the mainnet chain
//   definition in maticnetwork/bor (command/server/chains/mainnet.go; `"period"` in its mainnet
//   genesis JSON). Not 5 s: that is Gnosis's slot, below.
// - Gnosis (100): SECONDS_PER_SLOT 5 in gnosischain/configs mainnet config.yaml.
import type { DetectMissedSlots } from './config';

export interface ChainPreset {
  name: string;
  /** Interval between blocks (the slot, for slotted chains). */
  blockTimeMs: number;
  /** False: blocks come when there is work, not on slots (missed-slot detection off). */
  slots: boolean;
}

export const CHAIN_PRESETS: ReadonlyMap<number, ChainPreset> = new Map([
  [1, { name: 'Ethereum mainnet', blockTimeMs: 12_000, slots: true }],
  [11155111, { name: 'Sepolia', blockTimeMs: 12_000, slots: true }],
  [17000, { name: 'Holesky', blockTimeMs: 12_000, slots: true }],
  [560048, { name: 'Hoodi', blockTimeMs: 12_000, slots: true }],
  [10, { name: 'OP Mainnet', blockTimeMs: 2_000, slots: true }],
  [8453, { name: 'Base', blockTimeMs: 2_000, slots: true }],
  [42161, { name: 'Arbitrum One', blockTimeMs: 250, slots: false }],
  [137, { name: 'Polygon PoS', blockTimeMs: 2_000, slots: true }],
  [100, { name: 'Gnosis', blockTimeMs: 5_000, slots: true }],
]);

/**
 * Whether missed slots can be told from block timestamps (whole seconds): only for a slot of at
 * least 1 s that timestamps advance by in whole steps. `setting` true/false overrides.
 */
export function slotsDetectable(setting: DetectMissedSlots, blockTimeMs: number, chainHasSlots = true): boolean {
  if (setting !== 'auto') return setting;
  return chainHasSlots && blockTimeMs >= 1000 && blockTimeMs % 1000 === 0;
}

export type BlockTimeSource = 'config' | 'preset' | 'measured' | 'default';

/** The block time in use and where it came from (/health, the status bar, the log of a run). */
export interface BlockTimeInUse {
  ms: number;
  source: BlockTimeSource;
  /** Missed-slot detection on. */
  slots: boolean;
  chainId?: number;
  /** Preset name, when the source is a preset. */
  chain?: string;
  /** Blocks the measurement spanned (source 'measured'). */
  measuredOver?: number;
}

export interface BlockTimeOptions {
  configuredMs: number;
  explicit: boolean;
  detect: DetectMissedSlots;
  /** Intervals measured at most. Default 20. */
  maxIntervals?: number;
  /** Fewer intervals suffice once they span this much chain time (s). Default 30. */
  enoughSpanSec?: number;
  /** And never fewer than this many. Default 5. */
  minIntervals?: number;
}

/** What changed: the block time to use now, and one line to say (once) why. */
export interface BlockTimeNews {
  inUse: BlockTimeInUse;
  message?: string;
}

/**
 * The block time in use as /health's `block_time` shows it: the interval, where it came from, and
 * whether missed slots are judged. The status bar tooltip (blockTimeText) words the same fields.
 */
export interface BlockTimeFields {
  ms: number;
  source: BlockTimeSource;
  missed_slots: boolean;
  chain_id?: number;
  chain?: string;
  measured_over_blocks?: number;
}

export function blockTimeFields(t: BlockTimeInUse): BlockTimeFields {
  return {
    ms: t.ms,
    source: t.source,
    missed_slots: t.slots,
    ...(t.chainId !== undefined ? { chain_id: t.chainId } : {}),
    ...(t.chain ? { chain: t.chain } : {}),
    ...(t.measuredOver ? { measured_over_blocks: t.measuredOver } : {}),
  };
}

/**
 * One line for people, from blockTimeFields (so it says what /health says): "Block time: 2 s,
 * preset for OP Mainnet (chain 10)", "… measured over 20 blocks", "… set in config", "… default
 * until measured", plus "; missed slots not judged" when detection is off.
 */
export function blockTimeText(t: BlockTimeInUse): string {
  const f = blockTimeFields(t);
  const chain = f.chain_id !== undefined ? ` (chain ${f.chain_id})` : '';
  const where =
    f.source === 'preset'
      ? `preset for ${f.chain ?? 'this chain'}${chain}`
      : f.source === 'measured'
        ? `measured over ${f.measured_over_blocks ?? 0} blocks${chain}`
        : f.source === 'config'
          ? 'set in config'
          : `default until measured${chain}`;
  return `Block time: ${formatMs(f.ms)}, ${where}${f.missed_slots ? '' : '; missed slots not judged'}`;
}

/** Seconds or milliseconds, as a person would write them. */
export function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Decides the block time. Feed it the chain id when known (chainId) and each live block
 * (observe); each returns news when the block time in use or what is known about it changes.
 */
export class BlockTimeResolver {
  private current: BlockTimeInUse;
  private measuring: boolean;
  private last?: { number: number; timestamp: number; receivedAt?: number };
  private readonly stamps: number[] = [];
  private readonly arrivals: number[] = [];
  private chainKnown = false;

  constructor(private readonly o: BlockTimeOptions) {
    const source: BlockTimeSource = o.explicit ? 'config' : 'default';
    // Until the chain is known, the default's slots are not trusted: a 100 ms chain would flood.
    const slots = o.explicit ? slotsDetectable(o.detect, o.configuredMs) : o.detect === true;
    this.current = { ms: o.configuredMs, source, slots };
    this.measuring = false;
  }

  inUse(): BlockTimeInUse {
    return { ...this.current };
  }

  /** On start: the block time in use, and for a configured one too fine for slots, a line saying so. */
  start(): BlockTimeNews {
    const news: BlockTimeNews = { inUse: this.inUse() };
    if (this.o.explicit && !this.current.slots && this.o.detect === 'auto') news.message = this.slotsOffMessage(this.o.configuredMs, true);
    return news;
  }

  /** The chain's id, once known. */
  chainId(id: number): BlockTimeNews | undefined {
    if (this.chainKnown) return undefined;
    this.chainKnown = true;
    this.current.chainId = id;
    const preset = CHAIN_PRESETS.get(id);
    if (this.o.explicit) return undefined;
    // Presets are checked against a measurement too (reported once if they disagree).
    this.measuring = true;
    if (!preset) return { inUse: this.inUse() };
    this.current = { ms: preset.blockTimeMs, source: 'preset', slots: slotsDetectable(this.o.detect, preset.blockTimeMs, preset.slots), chainId: id, chain: preset.name };
    const news: BlockTimeNews = { inUse: this.inUse() };
    if (!this.current.slots && this.o.detect !== false) {
      news.message = `${preset.name} (chain ${id}): ${preset.slots ? `${formatMs(preset.blockTimeMs)} blocks are finer than block timestamps (whole seconds)` : 'blocks are not made on fixed slots'}; missed-slot detection is off, relying on delays and gaps`;
    }
    return news;
  }

  /** A live block (in arrival order). */
  observe(b: { number: number; timestamp: number; receivedAt?: number }): BlockTimeNews | undefined {
    if (!this.measuring) return undefined;
    const last = this.last;
    this.last = { number: b.number, timestamp: b.timestamp, receivedAt: b.receivedAt };
    if (!last || b.number !== last.number + 1) return undefined;
    this.stamps.push(b.timestamp - last.timestamp);
    if (b.receivedAt !== undefined && last.receivedAt !== undefined) this.arrivals.push((b.receivedAt - last.receivedAt) * 1000);
    const n = this.stamps.length;
    const span = this.stamps.reduce((a, x) => a + x, 0);
    const enough = n >= (this.o.maxIntervals ?? 20) || (n >= (this.o.minIntervals ?? 5) && span >= (this.o.enoughSpanSec ?? 30));
    if (!enough) return undefined;
    this.measuring = false;
    return this.measured(n + 1);
  }

  private measured(blocks: number): BlockTimeNews {
    const stampMedian = median(this.stamps);
    // Timestamps are whole seconds: a median under 1 s means several blocks share a second, and
    // only arrival times can tell how far apart they are.
    const subSecond = stampMedian < 1;
    const ms = subSecond ? Math.max(1, Math.round(this.arrivals.length ? median(this.arrivals) : 1000)) : Math.round(stampMedian * 1000);
    if (this.current.source === 'preset') {
      const preset = this.current.ms;
      if (Math.abs(ms - preset) > preset / 2) {
        return {
          inUse: this.inUse(),
          message: `block time measured: ${formatMs(ms)} over ${blocks} blocks, but ${this.current.chain} (chain ${this.current.chainId}) is preset to ${formatMs(preset)}; keeping the preset; set expected_block_time to fix it`,
        };
      }
      return { inUse: this.inUse() };
    }
    const slots = slotsDetectable(this.o.detect, ms, !subSecond);
    this.current = { ms, source: 'measured', slots, chainId: this.current.chainId, measuredOver: blocks };
    const off = slots || this.o.detect === false ? '' : `; ${this.slotsOffMessage(ms, false)}`;
    return { inUse: this.inUse(), message: `block time measured: ${formatMs(ms)} over ${blocks} blocks; set expected_block_time to fix it${off}` };
  }

  private slotsOffMessage(ms: number, capital: boolean): string {
    const why = ms < 1000 ? `${formatMs(ms)} blocks are finer than block timestamps (whole seconds)` : `${formatMs(ms)} is not a whole number of seconds, which block timestamps count in`;
    return `${capital ? 'M' : 'm'}issed-slot detection is off: ${why}; relying on delays and gaps`;
  }
}
