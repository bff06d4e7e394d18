// When a sustained risk alerts, and when it is over: the risk's incident rules, kept to the rules
// every other incident follows (incidents.ts). A risk incident is one run of rounds at or above
// `[risk] threshold` on one source; `[risk] alert_after_slots` is its alert threshold (as a streak's
// length is against `alert_threshold`), so once the run is that long it alerts every configured
// channel, once per channel however long it lasts; a muted channel is marked, not told. It
// resolves once, when the score falls back below the threshold, on the channels that were told;
// a run nobody was told about ends silently. Its dedup key is the source plus the unix second the
// run started, so a repeat (a retry, a restart resending the outbox) is the same incident.
//
// Pure: no clock, no I/O; the caller passes each update and which channels are muted now.
import type { AlertChannelKind } from '../config';
import type { ChannelMark } from '../incidents';

export interface RiskIncident {
  key: string;
  source: string;
  /** Unix seconds of the first round of the run at or above the threshold. */
  startedAt: number;
  /** Rounds at or above the threshold so far. */
  rounds: number;
  /** Score of the latest round, and the highest of the run. */
  score: number;
  maxScore: number;
  /** The top reasons of the round that alerted (strongest first). */
  reasons: string[];
  alerted: Partial<Record<AlertChannelKind, ChannelMark>>;
}

export type RiskDecision =
  | { type: 'alert'; incident: RiskIncident; channels: AlertChannelKind[] }
  | { type: 'resolve'; incident: RiskIncident; channels: AlertChannelKind[]; endedAt: number };

/** What the rule needs of a RiskTracker update. */
export interface RiskAlertInput {
  source: string;
  /** Unix seconds of the round. */
  at: number;
  /** Consecutive rounds at or above the threshold, this one included (0: below). */
  above: number;
  risk: { score: number; reasons: readonly { text: string }[] };
}

export interface RiskAlertOptions {
  channels: readonly AlertChannelKind[];
  /** Rounds at or above the threshold before the incident alerts (`[risk] alert_after_slots`). */
  alertAfter: number;
  /** Dedup key of a run on `source` starting at unix second `startedAt`. */
  keyOf: (source: string, startedAt: number) => string;
}

export class RiskIncidents {
  /** Per source: when its current run above the threshold started (unix s). */
  private readonly runStart = new Map<string, number>();
  private readonly open = new Map<string, RiskIncident>();

  constructor(private readonly o: RiskAlertOptions) {}

  get openIncidents(): RiskIncident[] {
    return [...this.open.values()];
  }

  /** One round's update for a source: the alert and resolve decisions it brings (usually none). */
  update(u: RiskAlertInput, muted: (c: AlertChannelKind) => boolean): RiskDecision[] {
    if (u.above <= 0) {
      this.runStart.delete(u.source);
      const inc = this.open.get(u.source);
      if (!inc) return [];
      this.open.delete(u.source);
      if (Object.keys(inc.alerted).length === 0) return [];
      const channels = this.o.channels.filter((c) => inc.alerted[c] === 'sent' && !muted(c));
      return [{ type: 'resolve', incident: inc, channels, endedAt: u.at }];
    }
    if (!this.runStart.has(u.source) || u.above === 1) this.runStart.set(u.source, u.at);
    let inc = this.open.get(u.source);
    if (inc) {
      inc.rounds = u.above;
      inc.score = u.risk.score;
      inc.maxScore = Math.max(inc.maxScore, u.risk.score);
    }
    if (u.above < this.o.alertAfter) return [];
    if (!inc) {
      const startedAt = Math.floor(this.runStart.get(u.source)!);
      inc = {
        key: this.o.keyOf(u.source, startedAt),
        source: u.source,
        startedAt,
        rounds: u.above,
        score: u.risk.score,
        maxScore: u.risk.score,
        reasons: u.risk.reasons.map((r) => r.text),
        alerted: {},
      };
      this.open.set(u.source, inc);
    }
    const fire = this.o.channels.filter((c) => inc.alerted[c] === undefined);
    if (fire.length === 0) return [];
    for (const c of fire) inc.alerted[c] = muted(c) ? 'muted' : 'sent';
    return [{ type: 'alert', incident: inc, channels: fire.filter((c) => inc.alerted[c] === 'sent') }];
  }
}
