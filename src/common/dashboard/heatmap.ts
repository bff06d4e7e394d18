// The slot heatmap: one row per epoch of 32 slots, one cell per slot, coloured by what happened to
// it (as beacon-chain explorers draw it). Missed-slot records carry their slot; for the others it
// is derived from when the block was expected, on the same clock (genesis, slot length).
import { MISSED_BLOCK_KINDS } from '../../core/model';

export const SLOTS_PER_EPOCH = 32;

/** Cell states, ordered: when several records share a slot the highest wins. */
export const CELL = { none: 0, recovered: 1, delayed: 2, reorg: 3, missed: 4 } as const;
export type CellState = (typeof CELL)[keyof typeof CELL];
export const CELL_STATES = 5;
export const CELL_NAMES = ['no record', 'recovered', 'delayed', 'reorg', 'missed'] as const;

export interface SlotClock {
  /** Seconds per slot (the chain's expected block time). */
  slotSeconds: number;
  /** Unix s of slot 0. */
  genesis: number;
}

interface SlotInput {
  slot: number;
  expected: number;
}

export function slotOf(r: SlotInput, clock: SlotClock): number {
  if (r.slot >= 0) return r.slot;
  const len = clock.slotSeconds > 0 ? clock.slotSeconds : 12;
  return Math.floor((r.expected - clock.genesis) / len);
}

export function epochOf(slot: number): number {
  return Math.floor(slot / SLOTS_PER_EPOCH);
}

export function columnOf(slot: number): number {
  return ((slot % SLOTS_PER_EPOCH) + SLOTS_PER_EPOCH) % SLOTS_PER_EPOCH;
}

/** Index of chain_reset in MISSED_BLOCK_KINDS. */
const CHAIN_RESET_KIND = MISSED_BLOCK_KINDS.indexOf('chain_reset');

/** kind index as in MISSED_BLOCK_KINDS: gap 0, delayed 1, missed_slot 2, reorg 3, …, chain_reset (shown as a reorg: the chain changed). */
export function cellStateOf(r: { kind: number; recovered: boolean }): CellState {
  if (r.kind === 3 || r.kind === CHAIN_RESET_KIND) return CELL.reorg;
  if (r.recovered) return CELL.recovered;
  if (r.kind === 1) return CELL.delayed;
  return CELL.missed;
}

/**
 * The clock to use for a set of records: the chain's slot length, and genesis inferred from a
 * record that carries both a slot and its expected time (the monitor writes expected =
 * genesis + slot × length), else 0 (the monitor's default genesis).
 */
export function inferClock(slotSeconds: number, sample: Iterable<SlotInput>): SlotClock {
  const len = slotSeconds > 0 ? slotSeconds : 12;
  for (const r of sample) if (r.slot >= 0) return { slotSeconds: len, genesis: Math.round(r.expected - r.slot * len) };
  return { slotSeconds: len, genesis: 0 };
}

export interface HeatmapRow {
  epoch: number;
  /** SLOTS_PER_EPOCH cell states. */
  cells: number[];
}
