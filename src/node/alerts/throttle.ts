// At most `max` messages per channel per window; what is over the limit is counted, and when the
// window closes the channel gets one summary instead. Windows are fixed and start with the first
// message after a quiet period, so a single alert is never delayed. The summary itself does not
// count against the next window (it is the one message that says what was held back).
import type { AlertMessage, SuppressedFacts } from './message';

const NAMED_INCIDENTS = 10;

export class Throttle {
  private windowStart?: number;
  private sent = 0;
  private held?: { alerts: number; resolves: number; incidents: Set<string> };

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /**
   * Whether `msg` may go now. When a previous window closed with messages held back, its summary
   * is returned too and must be sent first.
   */
  admit(msg: AlertMessage, nowMs: number): { send: boolean; summary?: SuppressedFacts } {
    const summary = this.closeIfOver(nowMs);
    if (this.windowStart === undefined) {
      this.windowStart = nowMs;
      this.sent = 0;
    }
    if (this.sent < this.max) {
      this.sent += 1;
      return { send: true, summary };
    }
    const h = (this.held ??= { alerts: 0, resolves: 0, incidents: new Set() });
    if (msg.kind === 'resolve') h.resolves += 1;
    else h.alerts += 1;
    if (msg.incident) h.incidents.add(msg.incident);
    return { send: false, summary };
  }

  /** When the open window ends, if it holds messages back (for the caller's timer). */
  dueAt(): number | undefined {
    return this.held && this.windowStart !== undefined ? this.windowStart + this.windowMs : undefined;
  }

  /** The summary of a window that has closed with messages held back (once). */
  closeIfOver(nowMs: number): SuppressedFacts | undefined {
    if (this.windowStart === undefined || nowMs < this.windowStart + this.windowMs) return undefined;
    const start = this.windowStart;
    const h = this.held;
    this.windowStart = undefined;
    this.held = undefined;
    if (!h) return undefined;
    const incidents = [...h.incidents];
    return {
      count: h.alerts + h.resolves,
      alerts: h.alerts,
      resolves: h.resolves,
      incidents: incidents.slice(0, NAMED_INCIDENTS),
      incident_count: incidents.length,
      window_start: start,
      window_end: start + this.windowMs,
    };
  }
}
