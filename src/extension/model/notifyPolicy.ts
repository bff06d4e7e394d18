// When the editor pops up a notification: once when a streak reaches alert_threshold, and for each
// newly appended record at least notifications.minSeverity (Critical by default). Each event is
// shown at most once; at most one notification per interval, the rest folded into the next one;
// nothing while muted. Pure, with an injectable clock, so throttling is testable without waiting.
import { recordKey, type MissedBlockSeverity } from '../../core/model';
import { blockRange, cleanText } from './format';
import type { LogEntry } from './logBook';
import { atLeast, type LogSummary } from './summary';

export interface NoticeEvent {
  kind: 'threshold' | 'record';
  /** Identity: an event with a key already seen is never shown again. */
  key: string;
  file: string;
  critical: boolean;
  message: string;
}

export interface Notice {
  message: string;
  /** The log the headline event is about (for "Open Log"). */
  file: string;
  level: 'warning' | 'error';
  /** Events folded into this notice. */
  count: number;
}

/**
 * cleanText for a notification: the editor turns `[text](command:…)` (and https:, file:) in a
 * notification's message into a clickable link, and a log's file name is whatever the workspace
 * holds. A space between ']' and '(' keeps the text readable and is no link.
 */
function noticeText(v: unknown, max: number): string {
  return cleanText(v, max).replace(/\]\(/g, '] (');
}

export function thresholdEvent(file: string, name: string, s: LogSummary, threshold: number): NoticeEvent | undefined {
  if (!s.openStreak || s.current < threshold) return undefined;
  const range = blockRange(s.openStreak.fromBlock, s.openStreak.toBlock);
  return {
    kind: 'threshold',
    key: `${file}|streak|${s.openStreak.fromBlock}`,
    file,
    critical: s.level === 'error',
    message: `${s.current} missed blocks in a row (${range}) in ${noticeText(name, 80)}: alert threshold ${threshold} reached.`,
  };
}

export function recordEvents(file: string, name: string, appended: readonly LogEntry[], minSeverity: MissedBlockSeverity): NoticeEvent[] {
  const out: NoticeEvent[] = [];
  for (const e of appended) {
    const r = e.record;
    if (!atLeast(r.severity, minSeverity)) continue;
    out.push({
      kind: 'record',
      key: `${file}|record|${recordKey(r)}`,
      file,
      critical: r.severity === 'Critical',
      message: `${cleanText(r.severity, 20)} ${cleanText(r.kind ?? 'gap', 20)} at block #${r.block_number} (${cleanText(r.reason, 40)}) in ${noticeText(name, 80)}.`,
    });
  }
  return out;
}

export const ACTION_MUTE_NOTIFICATIONS = 'Mute notifications for 1 hour';
export const ACTION_MUTE_ALERTS = 'Mute alerts for 1 hour';
export const MUTE_MS = 3_600_000;

/** The running monitor's alert channels (MonitorController.muteAlerts → the alert manager's mute_until). */
export interface AlertMuter {
  /** Mute until unix ms; false when no monitor in this window sends alerts. */
  muteAlerts(untilMs: number): boolean;
}

/**
 * The mute buttons of a notice. "Mute notifications" silences these editor pop-ups only; "Mute
 * alerts", offered while this window's monitor sends alerts, also mutes its alert channels
 * (console, webhook, Slack, Discord, email; not the local alert file) for the hour.
 */
export function muteActions(alertsRunning: boolean): string[] {
  return alertsRunning ? [ACTION_MUTE_NOTIFICATIONS, ACTION_MUTE_ALERTS] : [ACTION_MUTE_NOTIFICATIONS];
}

/** Apply a mute button; returns what was muted until when, for the output channel (undefined: not a mute button). */
export function applyMute(action: string | undefined, policy: NotificationPolicy, alerts: AlertMuter | undefined, nowMs: number): string | undefined {
  if (action !== ACTION_MUTE_NOTIFICATIONS && action !== ACTION_MUTE_ALERTS) return undefined;
  const until = nowMs + MUTE_MS;
  policy.mute(MUTE_MS);
  const when = new Date(until).toISOString();
  if (action === ACTION_MUTE_NOTIFICATIONS) return `notifications muted until ${when} (alert channels still send)`;
  return alerts?.muteAlerts(until)
    ? `alerts (every channel but the alert file) and notifications muted until ${when}`
    : `notifications muted until ${when}; no monitor in this window sends alerts`;
}

export interface PolicyOptions {
  /** Least time between two notifications. */
  minIntervalMs: number;
  now?: () => number;
}

/** How many event keys we remember; old ones are forgotten first. */
const SEEN_MAX = 10_000;

export class NotificationPolicy {
  private readonly seen = new Set<string>();
  private pending: NoticeEvent[] = [];
  private lastShownAt = -Infinity;
  private muteUntilMs = 0;
  private readonly now: () => number;

  constructor(private o: PolicyOptions) {
    this.now = o.now ?? Date.now;
  }

  setMinInterval(ms: number): void {
    this.o = { ...this.o, minIntervalMs: ms };
  }

  /** Remember events without showing them (what was already in a log when the window opened). */
  prime(events: readonly NoticeEvent[]): void {
    for (const e of events) this.remember(e.key);
  }

  mute(forMs: number): void {
    this.muteUntilMs = this.now() + forMs;
    this.pending = [];
  }

  get mutedUntil(): number | undefined {
    return this.muteUntilMs > this.now() ? this.muteUntilMs : undefined;
  }

  /** New events; returns the notice to show now, if any (the rest wait for flush()). */
  offer(events: readonly NoticeEvent[]): Notice | undefined {
    // One key, one event: a record and its rewrite (alert_sent, recovered) often arrive in one batch.
    const fresh: NoticeEvent[] = [];
    for (const e of events) {
      if (this.seen.has(e.key)) continue;
      this.remember(e.key);
      fresh.push(e);
    }
    if (this.mutedUntil !== undefined) return undefined;
    this.pending.push(...fresh);
    return this.flush();
  }

  /** The folded notice of waiting events, once the interval since the last one has passed. */
  flush(): Notice | undefined {
    if (this.pending.length === 0 || this.mutedUntil !== undefined) return undefined;
    const t = this.now();
    if (t - this.lastShownAt < this.o.minIntervalMs) return undefined;
    const events = this.pending;
    this.pending = [];
    this.lastShownAt = t;
    return compose(events);
  }

  /** Milliseconds until flush() can show the waiting events; undefined when nothing waits. */
  dueIn(): number | undefined {
    if (this.pending.length === 0 || this.mutedUntil !== undefined) return undefined;
    return Math.max(0, this.lastShownAt + this.o.minIntervalMs - this.now());
  }

  private remember(key: string): void {
    this.seen.add(key);
    if (this.seen.size > SEEN_MAX) this.seen.delete(this.seen.values().next().value!);
  }
}

/** Headline: a reached threshold first, then the newest critical record, then the newest event. */
function compose(events: NoticeEvent[]): Notice {
  const headline =
    events.find((e) => e.kind === 'threshold') ?? [...events].reverse().find((e) => e.critical) ?? events[events.length - 1];
  const more = events.length - 1;
  return {
    message: more > 0 ? `${headline.message} (+${more} more)` : headline.message,
    file: headline.file,
    level: events.some((e) => e.critical) ? 'error' : 'warning',
    count: events.length,
  };
}
