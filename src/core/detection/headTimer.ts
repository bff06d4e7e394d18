// The wall-clock side of detection for the current head: when we got it (the anchor of the stall
// and slot timers), whether its stall was reported (once per stall), and how many empty slots after
// it the timer has flagged. Pure: the time is passed in; records are handed to `add` in order.
import type { MissedBlockReason } from '../model';
import type { HeldBlock } from './chainWindow';
import { slotDraft, stallDraft, type Draft, type RuleContext } from './rules';

export class HeadTimer {
  /** Wall clock (s) when the head was processed: the anchor of the stall and slot timers. */
  anchorSec = 0;
  /** Head number whose stall has been reported (once per stall). */
  private stallReportedFor?: number;
  /** Empty slots after the head already flagged by the timer. */
  flagged = 0;

  /** A new head (or a resumed one) at `nowSec`: both timers start over from it. */
  restart(nowSec: number): void {
    this.anchorSec = nowSec;
    this.clear();
  }

  /** Forget the reported stall and the flagged slots (the anchor stays). */
  clear(): void {
    this.stallReportedFor = undefined;
    this.flagged = 0;
  }

  /**
   * The timer fired at `nowSec`: a stall once per head past max_block_delay, then (when `slots`)
   * each empty slot after the head that is now overdue and not flagged yet, at most maxGapRecords.
   */
  tick(head: HeldBlock, nowSec: number, slots: boolean, stallReason: MissedBlockReason, ctx: () => RuleContext, add: (d: Draft) => void): void {
    const c = ctx();
    const maxDelaySec = c.maxBlockDelayMs / 1000;
    if (this.stallReportedFor !== head.number && nowSec - this.anchorSec > maxDelaySec) {
      this.stallReportedFor = head.number;
      add(stallDraft(ctx(), head, stallReason, Math.round((nowSec - this.anchorSec) * 1000)));
    }
    // Slot j after the head is due j slots after the head, measured on our clock from when we got
    // the head (or from its timestamp if that is later): a node whose chain time is far behind
    // ours (anvil --timestamp) must not make every slot since then overdue at once.
    if (!slots) return;
    const base = Math.max(head.timestamp, this.anchorSec);
    const overdue = Math.min(Math.floor((nowSec - maxDelaySec - base) / c.expectedSec), c.maxGapRecords);
    const meta = { detected_by: 'timer', previous_head: head.number };
    for (let j = this.flagged + 1; j <= overdue; j++) add(slotDraft(ctx(), head, head.number + 1, j, meta));
    this.flagged = Math.max(this.flagged, overdue);
  }
}
