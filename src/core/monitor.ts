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
  slotDrafts,
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
import { HeadTimer } from './detection/headTimer';
import { blockArrived, headLagged } from './detection/arrivals';
import { recoveredSlots } from './detection/recoveredSlots';
import { GenesisWatch } from './detection/genesisWatch';
import { Pace } from './detection/pace';

export class BlockMonitor {
  /** The clock, the block time in use, missed-slot detection on or off, the limits. */
  private readonly pace: Pace;
  /** Hash of block 0 of the chain we follow, and when to check it again. */
  private readonly genesisHash = new GenesisWatch();
  private readonly chain: ChainWindow;
  private readonly book: RecordBook;

  private head?: HeldBlock;
  /** The head of a source that feeds no blocks (a beacon node followed alone), in the records' numbering. */
  private outsideHead?: number;
  private lastBlockAt?: number;
  /** Reason of the last transport error since the last new head: the reason of the next gap. */
  private transportReason?: MissedBlockReason;
  /** The stall and empty-slot timers of the current head. */
  private readonly timer = new HeadTimer();
  /** A reorg being measured; its records are written once, when its depth is known. */
  private readonly reorgs: ReorgFollow;
  private readonly lagging: LagEpisodes;

  constructor(
    private readonly config: BlockMonitoringConfig,
    private readonly opts: MonitorOptions,
  ) {
    this.pace = new Pace(config, opts);
    this.lagging = new LagEpisodes(opts.headLagThreshold ?? 3);
    this.chain = new ChainWindow(Math.max(2, opts.hashWindow ?? 256));
    this.reorgs = new ReorgFollow(this.chain);
    // The window holds at least one whole maximal gap, so its streak is measured in full.
    this.book = new RecordBook({
      alertThreshold: config.alertThreshold,
      source: opts.source,
      chainId: opts.chainId,
      window: Math.max(opts.recordWindow ?? 4096, this.pace.maxGapRecords),
      maxPending: 2 * this.pace.maxGapRecords,
      protectPending: config.enableRecovery,
      onListenerError: opts.onListenerError,
    });
  }

  /**
   * The block time in use changed (a chain preset, or the measured interval): slots are judged by
   * it from now on; `slots` false turns missed-slot detection off (sub-second or slot-less chains).
   */
  setBlockTime(ms: number, slots: boolean): void {
    if (this.pace.set(ms, slots)) this.timer.flagged = 0;
  }

  /** The block time in use (ms) and whether missed slots are detected. */
  blockTime(): { ms: number; slots: boolean } {
    return this.pace.blockTime();
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
    // Already late for another reason (a stall): the lag says why, more precisely.
    const draft = () => headLagDraft(this.ctx(), n, this.pace.expectedTimeOf(this.head, n), meta, endpointLabel);
    const r = headLagged(this.book, n, meta, draft, (d) => this.add(d));
    this.finish();
    return r ? copy(r) : null;
  }

  /** The wall-clock timer; call it about once a second. Reports a stall and overdue empty slots. */
  tick(): MissedBlock[] {
    this.book.begin();
    this.settle(this.reorgs.conclude());
    const head = this.head;
    if (!head) return this.finish();
    const reason = this.transportReason ?? 'NetworkLatency';
    this.timer.tick(head, this.nowSec(), this.pace.slots, reason, () => this.ctx(), (d) => this.add(d));
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
    return this.genesisHash.needsCheck(this.head, this.chain, b);
  }

  /**
   * The hash of block 0 as the node reports it now. A different one than before means the node's
   * chain began again: one chain_reset record (on `next`, the block that prompted the check),
   * streaks and reorg tracking restart, nothing earlier is rewritten. Returns the records made.
   */
  noteGenesis(hash: string, next?: BlockInfo): MissedBlock[] {
    this.book.begin();
    const before = this.genesisHash.note(hash);
    if (before !== undefined && this.head) {
      this.reorgs.drop(); // the "reorg" it measured is this reset
      this.chainReset('genesis_hash', next, { old_genesis_hash: before, new_genesis_hash: hash });
    }
    return this.finish();
  }

  // ---------------------------------------------------------------- recovery

  markRecovered(key: string, info: RecoveredInfo): MissedBlock | null {
    return this.settleHeld(key, (r) => {
      this.book.recovered(r, key, info);
      if (info.block_hash === undefined || info.block_timestamp === undefined) return;
      recoveredSlots(this.chain, r.block_number, info.block_hash, info.block_timestamp, this.pace.slots, () => this.ctx(), (d) => this.add(d));
    });
  }

  /** Recovery gave up (retries exhausted; reason e.g. InvalidBlock replaces the detected one, kept in metadata). */
  markRecoveryFailed(key: string, info: { attempts: number; reason?: MissedBlockReason }): MissedBlock | null {
    return this.settleHeld(key, (r) => this.book.recoveryFailed(r, key, info));
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
    return this.genesisHash.hash;
  }

  /**
   * Resume after a restart: the next block is compared against `last` (gap, parent hash, slots),
   * and the chain's genesis hash against `last.genesis_hash` when given.
   */
  seed(last: { number: number; hash: string; timestamp: number; genesis_hash?: string }): void {
    this.genesisHash.hash = last.genesis_hash;
    this.head = { number: last.number, hash: last.hash, parentHash: '', timestamp: last.timestamp };
    this.chain.clear();
    this.chain.set(this.head);
    this.timer.restart(this.nowSec());
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
    if (b.number === 0) this.genesisHash.hash = b.hash;
    this.head = held(b);
    this.chain.set(this.head);
    this.timer.restart(this.nowSec());
    this.lastBlockAt = Math.floor(this.timer.anchorSec);
    this.book.counters.processed += 1;
  }

  private gap(head: HeldBlock, b: BlockInfo, reason: MissedBlockReason | undefined): void {
    const { drafts, omitted } = gapDrafts(this.ctx(), head, b, reason ?? 'Unknown');
    this.book.counters.gapBlocksOmitted += omitted;
    for (const d of drafts) this.add(d);
  }

  /** Empty slots between consecutive blocks, minus those the timer already flagged; capped. */
  private missedSlots(head: HeldBlock, b: BlockInfo): void {
    if (!this.pace.slots) return;
    for (const d of slotDrafts(this.ctx(), head, b, 'timestamp_gap', this.pace.maxGapRecords, this.timer.flagged)) this.add(d);
  }

  /**
   * A block arrived: close a delayed record waiting for it (stall, head lag) with its arrival
   * time, or make one when it arrived more than max_block_delay after its own timestamp.
   */
  private arrived(b: BlockInfo, arrival: number, live: boolean): void {
    blockArrived(this.book, b, arrival, live, this.config.maxBlockDelayMs, (delayMs) => this.add(lateArrivalDraft(this.ctx(), b, arrival, delayMs)));
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
    this.timer.clear();
    this.transportReason = undefined;
    this.add(chainResetDraft(this.ctx(), old, next, by, meta));
  }

  // ---------------------------------------------------------------- plumbing

  /** A held record's recovery ends (`settle` changes it) unless it already has; a copy of it, or null. */
  private settleHeld(key: string, settle: (r: MissedBlock) => void): MissedBlock | null {
    const r = this.book.store.get(key);
    if (!r) return null;
    if (!r.recovered) {
      this.book.begin();
      settle(r);
      this.finish();
    }
    return copy(r);
  }

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
    return this.pace.ctx();
  }

  private nowSec(): number {
    return this.pace.nowSec();
  }

  private detectedAt(): number {
    return this.pace.detectedAt();
  }
}
