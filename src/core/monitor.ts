// The BlockMonitor: turns the blocks a feed delivers (plus transport errors, head-lag reports and
// a wall-clock tick) into missed-block records, following the README's classification table to the letter. Pure:
// no I/O, no ethers, time only from the injected clock, so every rule is testable without sleeping.
//
// Records are announced to onRecord listeners ('new', or 'updated' when a held record changes:
// recovered, recovery failed, reorg found deeper, escalated to Critical by a streak) as copies, so
// a listener may keep or mutate what it gets.
//
// Memory is bounded: hashes of the last `hashWindow` blocks, the last `recordWindow` records (plus
// gap records still waiting for recovery, up to 2 × maxGapRecords), at most `maxGapRecords`
// records per gap or per run of empty slots. For a larger gap only the most recent maxGapRecords
// numbers get records (nearest the head: what the streak, the alert and recovery act on); every
// record of that gap says gap_from / gap_to / gap_size / gap_omitted in its metadata, and
// getStats().gap_blocks_omitted counts the rest.
import type { BlockMonitoringConfig } from './config';
import { slotsDetectable } from './blockTime';
import { ChainWindow, type HeldBlock } from './detection/chainWindow';
import { copyRecord as copy, RecordBook, type RecordListener } from './detection/recordBook';
import { held } from './detection/reorgTrace';
import { ReorgFollow, type ReorgVerdict } from './detection/reorgFollow';
import {
  chainResetDraft,
  gapDrafts,
  headLagDraft,
  lateArrivalDraft,
  reorgDraft,
  slotDraft,
  slotDrafts,
  stallDraft,
  type Draft,
  type ResetEvidence,
  type RuleContext,
} from './detection/rules';
import type { BlockInfo, MissedBlock, MissedBlockReason } from './model';
import type { MonitorStats } from './stats';

export type { RecordChange, RecordListener } from './detection/recordBook';
export type { MonitorOptions, ProcessOptions, RecoveredInfo } from './detection/options';
import { validateBlock, type MonitorOptions, type ProcessOptions, type RecoveredInfo } from './detection/options';
import { LagEpisodes } from './detection/lagEpisodes';


export class BlockMonitor {
  private readonly now: () => number;
  private expectedSec: number;
  /** Missed-slot detection on: the chain's timestamps can show a slot (see slotsDetectable). */
  private slots: boolean;
  /** Hash of block 0 of the chain we follow, once known. */
  private genesisHash?: string;
  private readonly maxDelaySec: number;
  private readonly maxGapRecords: number;
  private readonly genesis: number;
  private readonly chain: ChainWindow;
  private readonly book: RecordBook;

  private head?: HeldBlock;
  /** The head of a source that feeds no blocks (a beacon node followed alone), in the records' numbering. */
  private outsideHead?: number;
  /** Wall clock (s) when the head was processed: the anchor of the stall and slot timers. */
  private anchorSec = 0;
  private lastBlockAt?: number;
  /** Reason of the last transport error since the last new head: the reason of the next gap. */
  private transportReason?: MissedBlockReason;
  /** Head number whose stall has been reported (once per stall). */
  private stallReportedFor?: number;
  /** Empty slots after the head already flagged by the timer. */
  private timerFlagged = 0;
  /** A reorg being measured; its records are written once, when its depth is known. */
  private readonly reorgs: ReorgFollow;
  private readonly lagging: LagEpisodes;

  constructor(
    private readonly config: BlockMonitoringConfig,
    private readonly opts: MonitorOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.expectedSec = config.expectedBlockTimeMs / 1000;
    this.slots = slotsDetectable(config.detectMissedSlots, config.expectedBlockTimeMs);
    this.maxDelaySec = config.maxBlockDelayMs / 1000;
    this.maxGapRecords = Math.max(1, opts.maxGapRecords ?? 10_000);
    this.lagging = new LagEpisodes(opts.headLagThreshold ?? 3);
    this.genesis = opts.genesisTime ?? 0;
    this.chain = new ChainWindow(Math.max(2, opts.hashWindow ?? 256));
    this.reorgs = new ReorgFollow(this.chain);
    // The window holds at least one whole maximal gap, so its streak is measured in full.
    this.book = new RecordBook({
      alertThreshold: config.alertThreshold,
      source: opts.source,
      chainId: opts.chainId,
      window: Math.max(opts.recordWindow ?? 4096, this.maxGapRecords),
      maxPending: 2 * this.maxGapRecords,
      protectPending: config.enableRecovery,
      onListenerError: opts.onListenerError,
    });
    if (!(this.expectedSec > 0)) throw new RangeError('expectedBlockTimeMs must be > 0');
  }

  /**
   * The block time in use changed (a chain preset, or the measured interval): slots are judged by
   * it from now on; `slots` false turns missed-slot detection off (sub-second or slot-less chains).
   */
  setBlockTime(ms: number, slots: boolean): void {
    if (!(ms > 0)) throw new RangeError('block time must be > 0 ms');
    if (ms / 1000 !== this.expectedSec) this.timerFlagged = 0;
    this.expectedSec = ms / 1000;
    this.slots = slots;
  }

  /** The block time in use (ms) and whether missed slots are detected. */
  blockTime(): { ms: number; slots: boolean } {
    return { ms: Math.round(this.expectedSec * 1000), slots: this.slots };
  }

  /** Every record made ('new') or changed ('updated'), as a copy; returns the unsubscribe function. */
  onRecord(listener: RecordListener): () => void {
    return this.book.onRecord(listener);
  }

  // ---------------------------------------------------------------- inputs

  /** One block from the feed. Returns the records it made (changes to held ones go to listeners only). */
  processBlock(b: BlockInfo, opts: ProcessOptions = {}): MissedBlock[] {
    validateBlock(b);
    this.book.begin();
    this.settle(this.reorgs.conclude());
    const arrival = b.receivedAt ?? this.nowSec();
    const head = this.head;
    if (!head) {
      this.accept(b);
    } else if (b.number <= head.number) {
      const ours = this.chain.get(b.number);
      if (!ours && head.number - b.number > this.chain.size) {
        // A head further below ours than the window reaches: the node's chain began again.
        this.chainReset('head_far_below', b, {});
      } else {
        // Same hash: a re-delivery. Nothing held: too old, or a block we never had — not ours to judge.
        if (!ours || ours.hash === b.hash) return this.finish();
        this.settle(this.reorgs.lowerHead(head, b, opts.ancestors));
      }
      this.accept(b);
    } else {
      const reason = this.transportReason;
      this.transportReason = undefined;
      if (b.number > head.number + 1) {
        this.gap(head, b, reason);
      } else if (head.hash !== '' && b.parentHash !== head.hash) {
        this.settle(this.reorgs.fork(head, b, opts.ancestors));
      } else {
        this.missedSlots(head, b);
      }
      this.accept(b);
    }
    this.arrived(b, arrival, !opts.historical);
    return this.finish();
  }

  /** The feed reported a transport problem; it becomes the reason of the next gap (and of a stall). */
  noteTransportError(reason: MissedBlockReason): void {
    this.transportReason = reason;
  }

  /**
   * `endpointLabel`'s head is `lagBlocks` behind the best endpoint's `bestHead`. Above the
   * threshold: one delayed NodeUnresponsive record per lag episode, for the first block the
   * endpoint lacks. The episode ends when a report shows the lag back within the threshold.
   */
  noteHeadLag(endpointLabel: string, lagBlocks: number, bestHead: number): MissedBlock | null {
    if (!this.lagging.opens(endpointLabel, lagBlocks)) return null;
    this.book.begin();
    const n = Math.max(0, bestHead - lagBlocks + 1);
    const meta = { endpoint: endpointLabel, lag_blocks: lagBlocks, best_head: bestHead, head_lag_threshold: this.lagging.threshold };
    let r = this.book.store.get(`${n}:delayed`);
    if (r) {
      // Already late for another reason (a stall): the lag says why, more precisely.
      this.book.update(r, (x) => {
        x.metadata.detected_reason = x.reason;
        x.reason = 'NodeUnresponsive';
        Object.assign(x.metadata, meta);
      });
    } else {
      r = this.add(headLagDraft(this.ctx(), n, this.expectedTimeOf(n), meta, endpointLabel));
    }
    this.finish();
    return r ? copy(r) : null;
  }

  /** The wall-clock timer; call it about once a second. Reports a stall and overdue empty slots. */
  tick(): MissedBlock[] {
    this.book.begin();
    this.settle(this.reorgs.conclude());
    const head = this.head;
    if (!head) return this.finish();
    const nowSec = this.nowSec();
    if (this.stallReportedFor !== head.number && nowSec - this.anchorSec > this.maxDelaySec) {
      this.stallReportedFor = head.number;
      this.add(stallDraft(this.ctx(), head, this.transportReason ?? 'NetworkLatency', Math.round((nowSec - this.anchorSec) * 1000)));
    }
    // Slot j after the head is due j slots after the head, measured on our clock from when we got
    // the head (or from its timestamp if that is later): a node whose chain time is far behind
    // ours (anvil --timestamp) must not make every slot since then overdue at once.
    if (!this.slots) return this.finish();
    const base = Math.max(head.timestamp, this.anchorSec);
    const overdue = Math.min(Math.floor((nowSec - this.maxDelaySec - base) / this.expectedSec), this.maxGapRecords);
    const meta = { detected_by: 'timer', previous_head: head.number };
    for (let j = this.timerFlagged + 1; j <= overdue; j++) this.add(slotDraft(this.ctx(), head, head.number + 1, j, meta));
    this.timerFlagged = Math.max(this.timerFlagged, overdue);
    return this.finish();
  }

  /**
   * Drafts made by another source of this chain (the beacon node's missed slots and reorgs):
   * stamped, held, counted and announced as ours. A reorg draft replaces one held at its key.
   */
  addDrafts(drafts: readonly Draft[]): MissedBlock[] {
    this.book.begin();
    for (const d of drafts) this.add(d, d.kind === 'reorg');
    return this.finish();
  }

  /**
   * The chain's head as another source sees it, when no block feed runs (a beacon node followed
   * alone): the current streak ends when the chain moves past it, as a processed block ends it.
   */
  noteOutsideHead(n: number): MissedBlock[] {
    this.book.begin();
    if (this.outsideHead === undefined || n > this.outsideHead) this.outsideHead = n;
    return this.finish();
  }

  // ---------------------------------------------------------------- reorg follow-up

  /** While measuring a reorg: the new-branch block to fetch next (by number; it must have this hash). */
  neededAncestor(): { number: number; hash: string } | undefined {
    return this.reorgs.needs();
  }

  /**
   * New-branch blocks asked for by neededAncestor(); others are ignored. Returns the records made:
   * the reorg's, once the common ancestor is found.
   */
  supplyAncestors(blocks: readonly BlockInfo[]): MissedBlock[] {
    this.book.begin();
    this.settle(this.reorgs.supply(blocks));
    return this.finish();
  }

  /**
   * No more ancestors will come (none could be fetched): write the reorg being measured as deep
   * as proven. Also done by the next block or tick. Returns the records made.
   */
  endReorg(): MissedBlock[] {
    this.book.begin();
    this.settle(this.reorgs.conclude());
    return this.finish();
  }

  // ---------------------------------------------------------------- chain resets

  /**
   * Whether the block needs the chain's genesis hash checked before processing (noteGenesis):
   * when we know none yet, and whenever the block does not simply extend or repeat what we hold
   * (a gap, a reorg, a lower head) — which a node restarted without its state also looks like.
   */
  needsGenesisCheck(b: BlockInfo): boolean {
    const head = this.head;
    if (this.genesisHash === undefined || !head) return true;
    if (b.number === head.number + 1) return head.hash !== '' && b.parentHash !== head.hash;
    return this.chain.get(b.number)?.hash !== b.hash;
  }

  /**
   * The hash of block 0 as the node reports it now. A different one than before means the node's
   * chain began again: one chain_reset record (on `next`, the block that prompted the check),
   * streaks and reorg tracking restart, nothing earlier is rewritten. Returns the records made.
   */
  noteGenesis(hash: string, next?: BlockInfo): MissedBlock[] {
    this.book.begin();
    const before = this.genesisHash;
    this.genesisHash = hash;
    if (before !== undefined && before !== hash && this.head) {
      this.reorgs.drop(); // the "reorg" it measured is this reset
      this.chainReset('genesis_hash', next, { old_genesis_hash: before, new_genesis_hash: hash });
    }
    return this.finish();
  }

  // ---------------------------------------------------------------- recovery

  markRecovered(key: string, info: RecoveredInfo): MissedBlock | null {
    const r = this.book.store.get(key);
    if (!r) return null;
    if (r.recovered) return copy(r);
    this.book.begin();
    this.book.recovered(r, key, info);
    if (info.block_hash !== undefined && info.block_timestamp !== undefined) this.recoveredSlots(r.block_number, info.block_hash, info.block_timestamp);
    this.finish();
    return copy(r);
  }

  /** Recovery gave up (retries exhausted; reason e.g. InvalidBlock replaces the detected one, kept in metadata). */
  markRecoveryFailed(key: string, info: { attempts: number; reason?: MissedBlockReason }): MissedBlock | null {
    const r = this.book.store.get(key);
    if (!r) return null;
    if (r.recovered) return copy(r);
    this.book.begin();
    this.book.recoveryFailed(r, key, info);
    this.finish();
    return copy(r);
  }

  /**
   * Unrecovered gap records from before a restart (read back from the log): held so recovery can
   * retry them and markRecovered can rewrite them; no record event. Returns how many were taken.
   */
  adoptPending(records: readonly MissedBlock[]): number {
    let n = 0;
    for (const r of records) if ((r.kind ?? 'gap') === 'gap' && !r.recovered && this.book.adopt(copy(r))) n++;
    return n;
  }

  /** A record another source made (the relay check): counted in getStats(), not held (no streak, no recovery). */
  countExternal(r: MissedBlock): void {
    this.book.counters.added(r);
  }

  /** Unrecovered gap records recovery has not settled, lowest block first. */
  pending(): MissedBlock[] {
    return this.book.store.pending().map(copy);
  }

  // ---------------------------------------------------------------- state

  lastProcessed(): { number: number; hash: string; timestamp: number } | undefined {
    return this.head && { number: this.head.number, hash: this.head.hash, timestamp: this.head.timestamp };
  }

  /** A block of our chain we still hold (parentHash '' when unknown: the checkpoint block). */
  blockAt(n: number): HeldBlock | undefined {
    const b = this.chain.get(n);
    return b && { ...b };
  }

  /** Hash of block 0 of the chain we follow, once known (for the checkpoint). */
  genesisBlockHash(): string | undefined {
    return this.genesisHash;
  }

  /**
   * Resume after a restart: the next block is compared against `last` (gap, parent hash, slots),
   * and the chain's genesis hash against `last.genesis_hash` when given.
   */
  seed(last: { number: number; hash: string; timestamp: number; genesis_hash?: string }): void {
    this.genesisHash = last.genesis_hash;
    this.head = { number: last.number, hash: last.hash, parentHash: '', timestamp: last.timestamp };
    this.chain.clear();
    this.chain.set(this.head);
    this.anchorSec = this.nowSec();
    this.stallReportedFor = undefined;
    this.timerFlagged = 0;
    this.reorgs.drop();
  }

  /** The current streak reached alert_threshold. Alerts themselves are AlertManager's (src/node/alerts). */
  shouldAlert(): boolean {
    return this.streaks().current >= this.config.alertThreshold;
  }

  getStats(): MonitorStats {
    const s = this.streaks();
    return this.book.counters.snapshot({
      current_streak: s.current,
      longest_streak: this.book.longestStreak(this.headNumber()),
      pending: this.book.store.pendingCount,
      head: this.lastProcessed(),
      last_block_at: this.lastBlockAt,
    });
  }

  /** The relay logger's get_recovery_rate(): recovered / missed × 100. */
  getRecoveryRate(): number {
    return this.getStats().getRecoveryRate();
  }

  // ---------------------------------------------------------------- detection rules

  private accept(b: BlockInfo): void {
    if (b.number === 0) this.genesisHash = b.hash;
    this.head = held(b);
    this.chain.set(this.head);
    this.anchorSec = this.nowSec();
    this.lastBlockAt = Math.floor(this.anchorSec);
    this.stallReportedFor = undefined;
    this.timerFlagged = 0;
    this.book.counters.processed += 1;
  }

  private gap(head: HeldBlock, b: BlockInfo, reason: MissedBlockReason | undefined): void {
    const { drafts, omitted } = gapDrafts(this.ctx(), head, b, reason ?? 'Unknown');
    this.book.counters.gapBlocksOmitted += omitted;
    for (const d of drafts) this.add(d);
  }

  /** Empty slots between consecutive blocks, minus those the timer already flagged; capped. */
  private missedSlots(head: HeldBlock, b: BlockInfo): void {
    if (!this.slots) return;
    for (const d of slotDrafts(this.ctx(), head, b, 'timestamp_gap', this.maxGapRecords, this.timerFlagged)) this.add(d);
  }

  /**
   * A skipped block was fetched: hold it, and its empty slots against the neighbours we hold become
   * missed slots (§4), as they would have been had the feed delivered it. Each pair of adjacent
   * blocks is judged once: when the later of the two to become known arrives.
   */
  private recoveredSlots(n: number, hash: string, timestamp: number): void {
    if (this.chain.get(n)) return;
    const b: HeldBlock = { number: n, hash, parentHash: '', timestamp };
    this.chain.set(b);
    if (this.chain.get(n) === undefined || !this.slots) return; // below the window, or no slots to judge
    const prev = this.chain.get(n - 1);
    const next = this.chain.get(n + 1);
    if (prev) for (const d of slotDrafts(this.ctx(), prev, b, 'recovered_gap', this.maxGapRecords)) this.add(d);
    if (next) for (const d of slotDrafts(this.ctx(), b, next, 'recovered_gap', this.maxGapRecords)) this.add(d);
  }

  /**
   * A block arrived: close a delayed record waiting for it (stall, head lag) with its arrival
   * time, or make one when it arrived more than max_block_delay after its own timestamp.
   */
  private arrived(b: BlockInfo, arrival: number, live: boolean): void {
    const delayMs = Math.round((arrival - b.timestamp) * 1000);
    const late = live && delayMs > this.config.maxBlockDelayMs;
    const waiting = this.book.store.get(`${b.number}:delayed`);
    if (waiting && waiting.metadata.arrived_at === undefined) {
      this.book.update(waiting, (x) => {
        x.actual_timestamp = Math.floor(arrival);
        x.block_hash = b.hash;
        x.metadata.arrived_at = Math.floor(arrival);
        if (late) x.metadata.arrival_delay_ms = delayMs;
      });
    } else if (late && !waiting) {
      this.add(lateArrivalDraft(this.ctx(), b, arrival, delayMs));
    }
  }

  /** A reorg's verdict: its records (one per replaced block, the final depth, written once), or a chain reset. */
  private settle(v: ReorgVerdict | undefined): void {
    if (!v) return;
    if (v.kind === 'reset') return this.chainReset('no_common_ancestor', v.newHead, { reorg_depth_seen: v.depthSeen });
    const info = { depth: v.depth, complete: v.complete, oldHead: v.oldHead.number, newHead: v.newHead };
    for (const rep of v.replaced) this.add(reorgDraft(this.ctx(), rep, info));
  }

  /** Record a chain reset and start over: no head, no held blocks or records, no timers. */
  private chainReset(by: ResetEvidence, next: Pick<BlockInfo, 'number' | 'hash' | 'timestamp'> | undefined, meta: Record<string, unknown>): void {
    const old = this.head;
    this.reorgs.drop();
    this.head = undefined;
    this.chain.clear();
    this.book.clearHeld();
    this.lagging.clear();
    this.stallReportedFor = undefined;
    this.timerFlagged = 0;
    this.transportReason = undefined;
    this.add(chainResetDraft(this.ctx(), old, next, by, meta));
  }

  // ---------------------------------------------------------------- plumbing

  private add(d: Draft, replace = false): MissedBlock | undefined {
    return this.book.add(d, this.detectedAt(), replace);
  }

  private finish(): MissedBlock[] {
    return this.book.finish(this.headNumber());
  }

  private streaks() {
    return this.book.streaks(this.headNumber());
  }

  private headNumber(): number | undefined {
    return this.head?.number ?? this.outsideHead;
  }

  private ctx(): RuleContext {
    return {
      expectedSec: this.expectedSec,
      maxBlockDelayMs: this.config.maxBlockDelayMs,
      maxGapRecords: this.maxGapRecords,
      genesis: this.genesis,
      detectedAt: this.detectedAt(),
    };
  }

  private nowSec(): number {
    return this.now() / 1000;
  }

  private detectedAt(): number {
    return Math.floor(this.nowSec());
  }

  /** When block n was due, from the head's timestamp; detection time when we hold no head. */
  private expectedTimeOf(n: number): number {
    return this.head ? Math.round(this.head.timestamp + (n - this.head.number) * this.expectedSec) : this.detectedAt();
  }
}
