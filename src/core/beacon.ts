// The beacon node's slots, judged: which slot had no block, whose duty it was, and what a
// chain_reorg event means as records. Pure: the node layer (src/node/beacon/) feeds it what the
// node said (blocks seen, header answers, duties, syncing state) and the clock, and does the
// requests it asks for.
//
// A slot s is judged once, when either
//   - the node holds a block at a later slot (its head is past s), or
//   - the node is synced and s ended `grace` seconds ago without a block;
// a slot with no block seen is confirmed by asking the node for its header: 404 makes a
// missed_slot record (once per slot, whatever reconnects or re-deliveries happen), a header makes
// it a block. A node that is syncing, or whose state is unknown since a reconnect, judges nothing
// by the clock, and nothing at all beyond the head it has imported.
import type { Draft } from './detection/rules';

export interface BeaconSpec {
  /** Unix seconds of slot 0. */
  genesisTime: number;
  secondsPerSlot: number;
  slotsPerEpoch: number;
}

export interface ProposerDuty {
  slot: number;
  validatorIndex: number;
  pubkey: string;
}

/** `[beacon] validators`: indices and public keys (lower case) whose misses matter most. */
export interface WatchedProposers {
  indices: ReadonlySet<number>;
  pubkeys: ReadonlySet<string>;
}

export interface BeaconWatcherOptions {
  /** `source` of the records (the node's label, never its URL). */
  source: string;
  /** Seconds after a slot's end before an empty slot is judged without a later block. Default one slot. */
  graceSec?: number;
  /** Most past slots judged after a reconnect or a reorg (the newest). Default 64. */
  maxCatchUpSlots?: number;
  watched?: WatchedProposers;
  /** Slots of blocks, duties and recorded misses remembered. Default 1024. */
  window?: number;
}

interface SeenBlock {
  root: string;
  /** Execution payload block number; null: the node serves none for it; undefined: not asked yet. */
  executionNumber?: number | null;
}

export type SyncState = 'unknown' | 'syncing' | 'synced';

export const slotStart = (spec: BeaconSpec, slot: number): number => spec.genesisTime + slot * spec.secondsPerSlot;
export const slotAt = (spec: BeaconSpec, nowSec: number): number => Math.floor((nowSec - spec.genesisTime) / spec.secondsPerSlot);
export const epochOf = (spec: BeaconSpec, slot: number): number => Math.floor(slot / spec.slotsPerEpoch);

/**
 * Duties as answered for `epoch`, placed by their position within the epoch: some nodes label the
 * next epoch's duties with the current epoch's slot numbers, so only `slot mod slotsPerEpoch` is trusted.
 */
export function dutiesByPosition(spec: BeaconSpec, epoch: number, answer: readonly ProposerDuty[]): ProposerDuty[] {
  const first = epoch * spec.slotsPerEpoch;
  return answer.map((d) => ({ ...d, slot: first + (d.slot % spec.slotsPerEpoch), pubkey: d.pubkey.toLowerCase() }));
}

export function isWatched(w: WatchedProposers | undefined, duty: Pick<ProposerDuty, 'validatorIndex' | 'pubkey'>): boolean {
  return !!w && (w.indices.has(duty.validatorIndex) || w.pubkeys.has(duty.pubkey.toLowerCase()));
}

export class BeaconSlotWatcher {
  private readonly blocks = new Map<number, SeenBlock>();
  private readonly duties = new Map<number, ProposerDuty>();
  private readonly recorded = new Set<number>();
  private readonly inFlight = new Set<number>();
  /** Slots to ask about again whatever we saw (a reorg replaced the chain there). */
  private readonly recheck = new Set<number>();
  /** Every slot ≤ this is judged. */
  private judgedThrough: number | undefined;
  /** The newest slot the node has imported a block at, as far as we know since it (re)connected. */
  private nodeHead: number | undefined;
  private sync: SyncState = 'unknown';
  /** The node's head is further behind the clock than an empty slot or two explains (it says it is synced, yet it lags). */
  private lagging = false;
  private readonly grace: number;
  private readonly catchUp: number;
  private readonly window: number;
  /** Slots passed over (too far behind after a long outage), for the caller to report. */
  skipped = 0;

  constructor(
    readonly spec: BeaconSpec,
    private readonly o: BeaconWatcherOptions,
  ) {
    if (!(spec.secondsPerSlot > 0) || !(spec.slotsPerEpoch > 0)) throw new RangeError('secondsPerSlot and slotsPerEpoch must be > 0');
    this.grace = o.graceSec ?? spec.secondsPerSlot;
    this.catchUp = o.maxCatchUpSlots ?? 64;
    this.window = o.window ?? 1024;
  }

  get syncState(): SyncState {
    return this.sync;
  }

  get head(): number | undefined {
    return this.nodeHead;
  }

  /** First contact: the node's head now. Slots up to it are history, not ours to judge. */
  begin(headSlot: number): void {
    if (this.judgedThrough === undefined) this.judgedThrough = headSlot;
    this.noteHead(headSlot);
  }

  get started(): boolean {
    return this.judgedThrough !== undefined;
  }

  /** The node is unreachable: what it had imported and whether it was synced are unknown until it answers again. */
  noteDown(): void {
    this.nodeHead = undefined;
    this.sync = 'unknown';
    this.inFlight.clear();
  }

  /**
   * `/eth/v1/node/syncing`. A node more than grace + 2 slots behind the clock is not trusted to judge
   * slots by the clock even if it says it is synced (a restarted node that has not found its peers
   * yet answers 404 for slots it simply lacks); its slots are judged once it imports past them.
   */
  noteSyncing(isSyncing: boolean, headSlot: number, syncDistance = 0): SyncState {
    this.sync = isSyncing ? 'syncing' : 'synced';
    this.lagging = syncDistance > Math.ceil(this.grace / this.spec.secondsPerSlot) + 2;
    this.nodeHead = headSlot;
    return this.sync;
  }

  /** A block the node holds (an SSE block/head event, a header answer, a fetched block). */
  noteBlock(slot: number, root: string, executionNumber?: number | null): void {
    const had = this.blocks.get(slot);
    const exec = had && had.root === root && executionNumber === undefined ? had.executionNumber : executionNumber;
    this.blocks.set(slot, { root, executionNumber: exec });
    this.recheck.delete(slot);
    this.inFlight.delete(slot);
    this.noteHead(slot);
  }

  private noteHead(slot: number): void {
    if (this.nodeHead === undefined || slot > this.nodeHead) this.nodeHead = slot;
  }

  /** Duties for one epoch (already placed by position); replaces what was known for its slots. */
  setDuties(duties: readonly ProposerDuty[]): void {
    for (const d of duties) this.duties.set(d.slot, d);
    this.prune();
  }

  dutyAt(slot: number): ProposerDuty | undefined {
    return this.duties.get(slot);
  }

  /**
   * Slots to confirm now with a header request (they are marked in flight; answer each with
   * confirmEmpty, noteBlock, or release). Slots already holding a block are judged on the way.
   */
  due(nowSec: number): number[] {
    if (this.judgedThrough === undefined || this.nodeHead === undefined) return [];
    this.advance();
    const byClock = this.sync === 'synced' && !this.lagging ? slotAt(this.spec, nowSec - this.grace) - 1 : -1;
    const limit = Math.max(this.nodeHead - 1, byClock);
    const out: number[] = [];
    for (const s of [...this.recheck].sort((a, b) => a - b)) {
      if (s <= this.nodeHead - 1 && !this.inFlight.has(s)) out.push(s);
    }
    if (limit - this.judgedThrough > this.catchUp) {
      this.skipped += limit - this.catchUp - this.judgedThrough;
      this.judgedThrough = limit - this.catchUp;
    }
    for (let s = this.judgedThrough + 1; s <= limit; s++) {
      if (this.blocks.has(s) || this.recorded.has(s) || this.inFlight.has(s) || this.recheck.has(s)) continue;
      out.push(s);
    }
    for (const s of out) this.inFlight.add(s);
    this.advance();
    return out;
  }

  /** The block at the node's head slot, as far as we hold it (undefined: none seen there yet). */
  headBlock(): { slot: number; root: string; executionNumber?: number | null } | undefined {
    const slot = this.nodeHead;
    const b = slot === undefined ? undefined : this.blocks.get(slot);
    return b && slot !== undefined ? { slot, ...b } : undefined;
  }

  /**
   * The head in the numbering of this watcher's records (blockNumberFor): the head block's execution
   * block number when the node serves payloads, its slot on a chain without them; undefined while
   * the head block's payload has not been asked for (noteBlock with its executionNumber).
   */
  headNumber(): number | undefined {
    const b = this.headBlock();
    if (!b || b.executionNumber === undefined) return undefined;
    return b.executionNumber ?? b.slot;
  }

  /** A header request failed: ask again on a later due(). */
  release(slot: number): void {
    this.inFlight.delete(slot);
  }

  /** The block after `slot` that the record is filed under, when we know one (to fetch its payload number). */
  nextBlockAfter(slot: number): { slot: number; root: string; executionNumber?: number | null } | undefined {
    let best: number | undefined;
    for (const s of this.blocks.keys()) if (s > slot && (best === undefined || s < best)) best = s;
    return best === undefined ? undefined : { slot: best, ...this.blocks.get(best)! };
  }

  /**
   * The node answered 404 for `slot`'s header: a missed slot, as a draft (undefined if it was
   * recorded already). block_number: the execution block number of the next block when the node
   * serves payloads (the rule of missed slots found from blocks: the block after the slot);
   * otherwise that of the last payload before it + 1; on a chain without payloads, the next
   * block's slot (or slot + 1 while none is known).
   */
  confirmEmpty(slot: number, nowSec: number, detectedBy: string): Draft | undefined {
    this.inFlight.delete(slot);
    const wasRecheck = this.recheck.delete(slot);
    this.blocks.delete(slot);
    if (this.recorded.has(slot)) return undefined;
    this.recorded.add(slot);
    this.advance();
    const next = this.nextBlockAfter(slot);
    const duty = this.duties.get(slot);
    const watched = duty ? isWatched(this.o.watched, duty) : false;
    const blockNumber = this.blockNumberFor(slot, next);
    return {
      block_number: blockNumber,
      kind: 'missed_slot',
      reason: 'Unknown',
      slot,
      beacon_slot: slot,
      ...(duty ? { proposer_index: duty.validatorIndex, proposer_pubkey: duty.pubkey } : {}),
      source: this.o.source,
      expected_timestamp: slotStart(this.spec, slot),
      actual_timestamp: Math.floor(nowSec),
      metadata: {
        detected_by: wasRecheck ? 'beacon_reorg' : detectedBy,
        epoch: epochOf(this.spec, slot),
        ...(next ? { next_slot: next.slot, next_block_root: next.root } : {}),
        proposer_watched: watched,
        ...(duty ? {} : { proposer_unknown: true }),
      },
    };
  }

  private blockNumberFor(slot: number, next: { slot: number; executionNumber?: number | null } | undefined): number {
    if (typeof next?.executionNumber === 'number') return next.executionNumber;
    let prev: { slot: number; n: number } | undefined;
    for (const [s, b] of this.blocks) if (s < slot && typeof b.executionNumber === 'number' && (!prev || s > prev.slot)) prev = { slot: s, n: b.executionNumber };
    if (prev) return prev.n + 1;
    return next ? next.slot : slot + 1;
  }

  /**
   * A chain_reorg event: one reorg record with the depth the node reports; the slots it replaced
   * are asked about again (a block of the old branch may now be a missed slot).
   */
  reorg(e: { slot: number; depth: number; oldHead: string; newHead: string; epoch?: number }, nowSec: number): Draft {
    const old = this.blocks.get(e.slot);
    const from = Math.max(0, e.slot - Math.min(e.depth, this.catchUp) + 1);
    for (let s = from; s <= e.slot; s++) if (!this.recorded.has(s)) this.recheck.add(s);
    const number = typeof old?.executionNumber === 'number' ? old.executionNumber : e.slot;
    return {
      block_number: number,
      kind: 'reorg',
      reason: 'ChainReorg',
      ...(/^0x[0-9a-fA-F]{64}$/.test(e.oldHead) ? { block_hash: e.oldHead } : {}),
      reorg_depth: Math.max(1, e.depth),
      beacon_slot: e.slot,
      source: this.o.source,
      expected_timestamp: slotStart(this.spec, e.slot),
      actual_timestamp: Math.floor(nowSec),
      metadata: { detected_by: 'beacon_event', new_head_block: e.newHead, old_head_block: e.oldHead, epoch: e.epoch ?? epochOf(this.spec, e.slot) },
    };
  }

  /** Move judgedThrough over every slot that is decided (a block seen, or recorded missed). */
  private advance(): void {
    if (this.judgedThrough === undefined) return;
    for (let s = this.judgedThrough + 1; this.blocks.has(s) || this.recorded.has(s); s++) this.judgedThrough = s;
    this.prune();
  }

  private prune(): void {
    const keepFrom = (this.judgedThrough ?? 0) - this.window;
    if (this.blocks.size > this.window) for (const s of this.blocks.keys()) if (s < keepFrom) this.blocks.delete(s);
    if (this.recorded.size > this.window) for (const s of this.recorded) if (s < keepFrom) this.recorded.delete(s);
    if (this.duties.size > this.window) for (const s of this.duties.keys()) if (s < keepFrom) this.duties.delete(s);
  }
}
