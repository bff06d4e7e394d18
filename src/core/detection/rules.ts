// What each detection rule writes (the README's classification table): pure functions from what was observed to
// record drafts. The monitor decides when a rule fires and owns severity, dedup and announcing.
import type { BlockInfo, MissedBlock, MissedBlockKind, MissedBlockReason } from '../model';
import type { HeldBlock } from './chainWindow';
import type { Replaced } from './reorgTrace';

/** A record before the monitor stamps detection time, severity and the recovery/alert fields. */
export type Draft = Omit<MissedBlock, 'timestamp' | 'severity' | 'recovery_attempts' | 'recovered' | 'alert_sent'> & {
  kind: MissedBlockKind;
};

export interface RuleContext {
  expectedSec: number;
  maxBlockDelayMs: number;
  /** Most records for one gap or one run of empty slots. */
  maxGapRecords: number;
  /** Unix s of slot 0. */
  genesis: number;
  /** Detection time, unix s (integer). */
  detectedAt: number;
}

/** Skipped numbers head+1 … b−1, one draft each — only the most recent maxGapRecords of them. */
export function gapDrafts(ctx: RuleContext, head: HeldBlock, b: BlockInfo, reason: MissedBlockReason): { drafts: Draft[]; omitted: number } {
  const first = head.number + 1;
  const last = b.number - 1;
  const from = Math.max(first, last - ctx.maxGapRecords + 1);
  const omitted = from - first;
  // Slots in the span not taken by a block we know of. Which ones are empty we cannot tell until
  // the skipped blocks are fetched, so they are noted here rather than recorded as missed slots.
  const unaccounted = Math.round((b.timestamp - head.timestamp) / ctx.expectedSec) - (b.number - head.number);
  const meta = {
    previous_head: head.number,
    next_block: b.number,
    gap_from: first,
    gap_to: last,
    gap_size: last - first + 1,
    ...(omitted > 0 ? { gap_truncated: true, gap_omitted: omitted } : {}),
    ...(unaccounted > 0 ? { slots_unaccounted: unaccounted } : {}),
  };
  const drafts: Draft[] = [];
  for (let n = from; n <= last; n++) {
    drafts.push({
      block_number: n,
      kind: 'gap',
      reason,
      expected_timestamp: Math.round(head.timestamp + (n - head.number) * ctx.expectedSec),
      actual_timestamp: ctx.detectedAt,
      metadata: { ...meta },
    });
  }
  return { drafts, omitted };
}

/** Empty slots between consecutive blocks: k − 1 for k = round(Δt / block time), i.e. ± half a slot. */
export function emptySlotsBetween(ctx: RuleContext, head: HeldBlock, b: Pick<BlockInfo, 'timestamp'>): number {
  return Math.max(0, Math.round((b.timestamp - head.timestamp) / ctx.expectedSec) - 1);
}

/** The j-th slot after the head had no block; recorded on `blockNumber` (the block after it). */
export function slotDraft(ctx: RuleContext, head: HeldBlock, blockNumber: number, j: number, meta: Record<string, unknown>): Draft {
  return {
    block_number: blockNumber,
    kind: 'missed_slot',
    reason: 'Unknown',
    slot: Math.floor((head.timestamp - ctx.genesis) / ctx.expectedSec + 1e-9) + j,
    expected_timestamp: Math.round(head.timestamp + j * ctx.expectedSec),
    actual_timestamp: ctx.detectedAt,
    metadata: { ...meta },
  };
}

/**
 * The empty slots between `head` and the next block `next` as drafts, recorded on `next`: only
 * slots after the first `alreadyFlagged` (the wall-clock timer's), and at most the newest `cap`.
 */
export function slotDrafts(ctx: RuleContext, head: HeldBlock, next: Pick<BlockInfo, 'number' | 'timestamp'>, detectedBy: string, cap: number, alreadyFlagged = 0): Draft[] {
  const empty = emptySlotsBetween(ctx, head, next);
  const meta = { detected_by: detectedBy, previous_head: head.number, previous_timestamp: head.timestamp, slots_missed: empty };
  const out: Draft[] = [];
  for (let j = Math.max(alreadyFlagged + 1, empty - cap + 1); j <= empty; j++) out.push(slotDraft(ctx, head, next.number, j, meta));
  return out;
}

/** No new head for too long: the next number is late. */
export function stallDraft(ctx: RuleContext, head: HeldBlock, reason: MissedBlockReason, stalledMs: number): Draft {
  return {
    block_number: head.number + 1,
    kind: 'delayed',
    reason,
    expected_timestamp: Math.round(head.timestamp + ctx.expectedSec),
    actual_timestamp: ctx.detectedAt,
    metadata: { detected_by: 'timer', previous_head: head.number, stalled_ms: stalledMs, max_block_delay_ms: ctx.maxBlockDelayMs },
  };
}

/** The block reached us long after its own timestamp. */
export function lateArrivalDraft(ctx: RuleContext, b: BlockInfo, arrivalSec: number, delayMs: number): Draft {
  return {
    block_number: b.number,
    kind: 'delayed',
    reason: 'NetworkLatency',
    block_hash: b.hash,
    expected_timestamp: b.timestamp,
    actual_timestamp: Math.floor(arrivalSec),
    metadata: { detected_by: 'arrival', arrived_at: Math.floor(arrivalSec), arrival_delay_ms: delayMs, max_block_delay_ms: ctx.maxBlockDelayMs },
  };
}

/** An endpoint's head is far behind the best one's: the first block it lacks is late. */
export function headLagDraft(ctx: RuleContext, n: number, expected: number, meta: Record<string, unknown>, endpoint: string): Draft {
  return { block_number: n, kind: 'delayed', reason: 'NodeUnresponsive', source: endpoint, expected_timestamp: expected, actual_timestamp: ctx.detectedAt, metadata: meta };
}

export interface ReorgInfo {
  depth: number;
  complete: boolean;
  oldHead: number;
  newHead: HeldBlock;
}

/** One of our blocks was replaced by a reorg; block_hash is ours (the replaced one). */
export function reorgDraft(ctx: RuleContext, rep: Replaced, info: ReorgInfo): Draft {
  return {
    block_number: rep.old.number,
    kind: 'reorg',
    reason: 'ChainReorg',
    block_hash: rep.old.hash,
    reorg_depth: info.depth,
    expected_timestamp: rep.old.timestamp,
    actual_timestamp: ctx.detectedAt,
    metadata: {
      ...(rep.newHash ? { new_hash: rep.newHash } : {}),
      old_head: info.oldHead,
      new_head: info.newHead.number,
      new_head_hash: info.newHead.hash,
      trace_complete: info.complete,
    },
  };
}

/** How a chain reset was found: the genesis hash changed, or the new chain shares no block with ours. */
export type ResetEvidence = 'genesis_hash' | 'no_common_ancestor' | 'head_far_below';

/**
 * The node's chain began again (restarted without its state): one record, on the first block of
 * the new chain we saw (block 0 when we saw none yet); block_hash is that block's hash.
 */
export function chainResetDraft(ctx: RuleContext, old: HeldBlock | undefined, next: Pick<BlockInfo, 'number' | 'hash' | 'timestamp'> | undefined, by: ResetEvidence, meta: Record<string, unknown>): Draft {
  return {
    block_number: next?.number ?? 0,
    kind: 'chain_reset',
    reason: 'Unknown',
    ...(next ? { block_hash: next.hash } : {}),
    // Nothing was due: both times are the detection's (the chains' own times are in metadata, and
    // an old chain ahead of the new one must not read as a block arriving before it was due).
    expected_timestamp: ctx.detectedAt,
    actual_timestamp: ctx.detectedAt,
    metadata: {
      detected_by: by,
      ...(old ? { old_head: old.number, old_head_hash: old.hash, old_head_timestamp: old.timestamp } : {}),
      ...(next ? { new_block_timestamp: next.timestamp } : {}),
      ...meta,
    },
  };
}
