// Incidents: which missed records belong together, when that deserves an alert, and when it is
// over. An incident is one streak (computeStreaks, THE streak function: a run of missed events on
// consecutive block numbers); its dedup key is the source plus the block the streak started at, so
// it alerts at most once per channel however long it grows, and resolves once when the chain has
// moved past it (head > last block + 1, the same rule that makes the monitor's current_streak 0).
//
// Pure: no I/O, no clock (the caller passes head and time), so every rule is testable directly.
// What must survive a restart is exported as IncidentState for the outbox journal.
import type { AlertChannelKind } from './config';
import { maxSeverity, recordKey, severityRank, type MissedBlock, type MissedBlockSeverity } from './model';
import { computeStreaks } from './streaks';

/** 'sent': an alert went (or is queued) to the channel; 'muted': decided while muted, nothing sent. */
export type ChannelMark = 'sent' | 'muted';

export interface IncidentState {
  key: string;
  from_block: number;
  to_block: number;
  started_at: number;
  max_severity: MissedBlockSeverity;
  /** recordKey → recovered. */
  records: Record<string, boolean>;
  alerted: Partial<Record<AlertChannelKind, ChannelMark>>;
  /** An alert for it reached at least one channel: its records' alert_sent is true. */
  delivered: boolean;
}

/** A resolved incident, remembered so late updates of its records do not open it again. */
export interface ResolvedRef {
  key: string;
  from_block: number;
  to_block: number;
  delivered: boolean;
}

export interface Incident {
  key: string;
  fromBlock: number;
  toBlock: number;
  startedAt: number;
  maxSeverity: MissedBlockSeverity;
  records: Map<string, boolean>;
  alerted: Partial<Record<AlertChannelKind, ChannelMark>>;
  delivered: boolean;
  /** Latest record seen (for the alert text); absent for an incident restored from the journal. */
  latest?: MissedBlock;
}

export type Decision =
  | { type: 'alert'; incident: Incident; channels: AlertChannelKind[] }
  | { type: 'resolve'; incident: Incident; channels: AlertChannelKind[]; endedAt: number };

export interface TrackerOptions {
  alertThreshold: number;
  channels: readonly AlertChannelKind[];
  minSeverity: (c: AlertChannelKind) => MissedBlockSeverity;
  /** Incident dedup key for a streak starting at this block. */
  keyOf: (fromBlock: number) => string;
  /** Records held for grouping into streaks. Default 4096. */
  window?: number;
  /** Resolved incidents remembered. Default 256. */
  resolvedMemory?: number;
}

export class IncidentTracker {
  private readonly window = new Map<string, MissedBlock>();
  private readonly dirty = new Set<string>();
  private open: Incident[] = [];
  private resolved: ResolvedRef[] = [];
  /** Open when the node's chain began again: over, whatever the new chain's head says. */
  private closing: Incident[] = [];

  constructor(private readonly o: TrackerOptions) {}

  /** Incidents alerted before a restart (still open) and recently resolved ones. */
  restore(open: readonly IncidentState[], resolved: readonly ResolvedRef[]): void {
    this.open = open.map(fromState);
    this.resolved = [...resolved];
  }

  /** A record made or changed (the latest copy wins). */
  add(r: MissedBlock): void {
    if (r.kind === 'chain_reset') {
      // The old chain's streaks end here; the new chain's block numbers start over, so nothing
      // held (records, remembered resolves) may group with or shadow what comes next.
      this.closing.push(...this.open);
      this.open = [];
      this.window.clear();
      this.dirty.clear();
      this.resolved = [];
      return;
    }
    const k = recordKey(r);
    this.window.delete(k); // re-insert: eviction order follows the latest change
    this.window.set(k, r);
    this.dirty.add(k);
    const max = this.o.window ?? 4096;
    while (this.window.size > max) {
      const oldest = this.window.keys().next().value!;
      this.window.delete(oldest);
      this.dirty.delete(oldest);
    }
  }

  get pendingChanges(): boolean {
    return this.dirty.size > 0;
  }

  get openIncidents(): readonly Incident[] {
    return this.open;
  }

  get resolvedIncidents(): readonly ResolvedRef[] {
    return this.resolved;
  }

  find(key: string): Incident | ResolvedRef | undefined {
    return this.open.find((i) => i.key === key) ?? this.resolved.find((r) => r.key === key);
  }

  /**
   * Is block n covered by an incident whose alert was delivered? Open incidents also cover the
   * block just before and after them: such a record continues the streak by definition.
   */
  deliveredCovers(n: number): boolean {
    return this.open.some((i) => i.delivered && n >= i.fromBlock - 1 && n <= i.toBlock + 1) || this.resolved.some((r) => r.delivered && n >= r.from_block && n <= r.to_block);
  }

  /** Mark an incident's alert delivered; returns the records it holds in the window. */
  markDelivered(key: string): MissedBlock[] {
    const inc = this.find(key);
    if (!inc) return [];
    inc.delivered = true;
    const keys = 'records' in inc ? inc.records : undefined;
    const out: MissedBlock[] = [];
    for (const [k, r] of this.window) {
      const inside = keys ? keys.has(k) : r.block_number >= (inc as ResolvedRef).from_block && r.block_number <= (inc as ResolvedRef).to_block;
      if (inside) out.push(r);
    }
    return out;
  }

  /**
   * Group changed records into incidents and decide: an alert on each channel an incident newly
   * qualifies for (streak ≥ alert_threshold, or worst severity ≥ the channel's minimum), and a
   * resolve when it ends. `muted` channels are marked as alerted without a message.
   */
  evaluate(head: number | undefined, nowSec: number, muted: (c: AlertChannelKind) => boolean): Decision[] {
    const out: Decision[] = [];
    for (const inc of this.closing.splice(0)) {
      const sent = this.o.channels.filter((c) => inc.alerted[c] === 'sent' && !muted(c));
      if (sent.length) out.push({ type: 'resolve', incident: inc, channels: sent, endedAt: nowSec });
    }
    if (this.dirty.size) this.absorb(head);
    for (const inc of [...this.open]) {
      const fire = this.o.channels.filter((c) => inc.alerted[c] === undefined && this.qualifies(inc, c));
      if (fire.length) {
        for (const c of fire) inc.alerted[c] = muted(c) ? 'muted' : 'sent';
        out.push({ type: 'alert', incident: inc, channels: fire.filter((c) => inc.alerted[c] === 'sent') });
      }
      if (!this.ended(inc, head)) continue;
      this.open.splice(this.open.indexOf(inc), 1);
      // An incident nobody was told about ends silently; a muted one is remembered, not resolved aloud.
      if (Object.keys(inc.alerted).length === 0) continue;
      this.remember({ key: inc.key, from_block: inc.fromBlock, to_block: inc.toBlock, delivered: inc.delivered });
      const sent = this.o.channels.filter((c) => inc.alerted[c] === 'sent' && !muted(c));
      out.push({ type: 'resolve', incident: inc, channels: sent, endedAt: nowSec });
    }
    return out;
  }

  private qualifies(inc: Incident, c: AlertChannelKind): boolean {
    return inc.records.size >= this.o.alertThreshold || severityRank(inc.maxSeverity) >= severityRank(this.o.minSeverity(c));
  }

  /** Over when the chain has moved past it; without a head (a log alone): when all of it is recovered. */
  private ended(inc: Incident, head: number | undefined): boolean {
    if (head !== undefined) return head > inc.toBlock + 1;
    return inc.records.size > 0 && [...inc.records.values()].every(Boolean);
  }

  private absorb(head: number | undefined): void {
    const list = [...this.window.values()];
    const { streaks } = computeStreaks(list, head === undefined ? {} : { headBlock: head });
    list.sort((a, b) => a.block_number - b.block_number);
    let i = 0;
    for (const s of streaks) {
      const members: MissedBlock[] = [];
      for (; i < list.length && list[i].block_number <= s.toBlock; i++) if (list[i].block_number >= s.fromBlock) members.push(list[i]);
      if (!members.some((r) => this.dirty.has(recordKey(r)))) continue;
      // Late news about a streak already resolved (a recovery finishing after it): no new incident.
      if (this.resolved.some((x) => x.from_block <= s.toBlock && s.fromBlock <= x.to_block)) continue;
      let inc = this.open.find((x) => x.fromBlock <= s.toBlock + 1 && s.fromBlock <= x.toBlock + 1);
      if (!inc) {
        inc = { key: this.o.keyOf(s.fromBlock), fromBlock: s.fromBlock, toBlock: s.toBlock, startedAt: s.startedAt, maxSeverity: 'Low', records: new Map(), alerted: {}, delivered: false };
        this.open.push(inc);
      }
      inc.fromBlock = Math.min(inc.fromBlock, s.fromBlock);
      inc.toBlock = Math.max(inc.toBlock, s.toBlock);
      inc.startedAt = Math.min(inc.startedAt, s.startedAt);
      for (const r of members) {
        inc.records.set(recordKey(r), r.recovered);
        inc.maxSeverity = maxSeverity(inc.maxSeverity, r.severity);
        if (!inc.latest || r.block_number > inc.latest.block_number || (r.block_number === inc.latest.block_number && r.timestamp >= inc.latest.timestamp)) inc.latest = r;
      }
    }
    this.dirty.clear();
  }

  private remember(ref: ResolvedRef): void {
    this.resolved.push(ref);
    const max = this.o.resolvedMemory ?? 256;
    if (this.resolved.length > max) this.resolved.splice(0, this.resolved.length - max);
  }
}

export function incidentFacts(inc: Incident): { length: number; recovered: number } {
  let recovered = 0;
  for (const v of inc.records.values()) if (v) recovered += 1;
  return { length: inc.records.size, recovered };
}

export function toState(inc: Incident): IncidentState {
  return {
    key: inc.key,
    from_block: inc.fromBlock,
    to_block: inc.toBlock,
    started_at: inc.startedAt,
    max_severity: inc.maxSeverity,
    records: Object.fromEntries(inc.records),
    alerted: { ...inc.alerted },
    delivered: inc.delivered,
  };
}

function fromState(s: IncidentState): Incident {
  return {
    key: s.key,
    fromBlock: s.from_block,
    toBlock: s.to_block,
    startedAt: s.started_at,
    maxSeverity: s.max_severity,
    records: new Map(Object.entries(s.records)),
    alerted: { ...s.alerted },
    delivered: s.delivered,
  };
}
