// The life of a record once a rule has drafted it: stamped, given its severity (severity.ts),
// held (bounded), counted, escalated to Critical when its streak reaches alert_threshold, and
// announced to listeners — 'new' once, 'updated' whenever a held record changes. Work happens in
// transactions (begin … finish) so listeners see each record once per call, in its final state.
import { recordKey, type MissedBlock, type MissedBlockReason } from '../model';
import type { RecoveredInfo } from './options';
import { severityFor } from '../severity';
import { StatsCounters } from '../stats';
import { computeStreaks, type Streak, type StreakSummary } from '../streaks';
import { RecordStore } from './recordStore';
import type { Draft } from './rules';

export type RecordChange = 'new' | 'updated';
export type RecordListener = (r: MissedBlock, change: RecordChange) => void;

export interface RecordBookOptions {
  alertThreshold: number;
  source: string;
  chainId?: number;
  window: number;
  maxPending: number;
  protectPending: boolean;
  onListenerError?: (err: unknown) => void;
}

export const copyRecord = (r: MissedBlock): MissedBlock => ({ ...r, metadata: { ...r.metadata } });

export class RecordBook {
  readonly counters = new StatsCounters();
  readonly store: RecordStore;
  private readonly listeners = new Set<RecordListener>();
  private longest = 0;
  private version = 0;
  private cache?: { version: number; head?: number; summary: StreakSummary };
  private made: MissedBlock[] = [];
  private events = new Map<MissedBlock, RecordChange>();

  constructor(private readonly o: RecordBookOptions) {
    this.store = new RecordStore(o.window, o.maxPending, o.protectPending);
  }

  onRecord(listener: RecordListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(key: string): MissedBlock | undefined {
    return this.store.get(key);
  }

  /** Longest streak ever seen (the window forgets; this does not). */
  longestStreak(head?: number): number {
    this.streaks(head);
    return this.longest;
  }

  /**
   * Make a record from a draft. A key already held is not reported again (one event, one record),
   * unless `replace`: a second reorg at the same height is a new event (readers keep the last line).
   */
  add(d: Draft, detectedAt: number, replace = false): MissedBlock | undefined {
    const r: MissedBlock = {
      timestamp: detectedAt,
      block_number: d.block_number,
      reason: d.reason,
      severity: 'Medium',
      expected_timestamp: Math.max(0, d.expected_timestamp),
      actual_timestamp: Math.max(0, d.actual_timestamp),
      recovery_attempts: 0,
      recovered: false,
      metadata: d.metadata,
      alert_sent: false,
      kind: d.kind,
      ...(d.block_hash !== undefined ? { block_hash: d.block_hash } : {}),
      ...(this.o.chainId !== undefined ? { chain_id: this.o.chainId } : {}),
      source: d.source ?? this.o.source,
      ...(d.slot !== undefined ? { slot: d.slot } : {}),
      ...(d.reorg_depth !== undefined ? { reorg_depth: d.reorg_depth } : {}),
      ...(d.beacon_slot !== undefined ? { beacon_slot: d.beacon_slot } : {}),
      ...(d.proposer_index !== undefined ? { proposer_index: d.proposer_index } : {}),
      ...(d.proposer_pubkey !== undefined ? { proposer_pubkey: d.proposer_pubkey } : {}),
    };
    if (this.store.get(recordKey(r)) && !replace) return undefined;
    r.severity = severityFor(facts(r), this.o.alertThreshold);
    this.store.put(r);
    this.counters.added(r);
    this.made.push(r);
    this.events.set(r, 'new');
    this.version++;
    return r;
  }

  /**
   * Hold a record written before this process started (an unrecovered gap carried over from the
   * log) without announcing it: it is not new, and must not be logged or alerted again. It counts
   * in the statistics, so its later recovery keeps the rates whole. False when the key is held.
   */
  adopt(r: MissedBlock): boolean {
    if (this.store.get(recordKey(r))) return false;
    this.store.put(r);
    this.counters.added(r);
    this.version++;
    return true;
  }

  /** Change a held record; its severity and the counters follow. */
  update(r: MissedBlock, change: (r: MissedBlock) => void): void {
    const before = { reason: r.reason, severity: r.severity, kind: r.kind, recovered: r.recovered };
    change(r);
    r.severity = severityFor(facts(r), this.o.alertThreshold);
    this.counters.changed(before, r);
    if (!this.events.has(r)) this.events.set(r, 'updated');
    this.version++;
  }

  /**
   * The chain began again: held records are let go (so streaks restart; they stay in the log, and
   * in the counters, unchanged). The longest streak ever seen is kept.
   */
  clearHeld(): void {
    this.store.clear();
    this.version++;
  }

  /** A held gap record's block was fetched after all. */
  recovered(r: MissedBlock, key: string, info: RecoveredInfo): void {
    this.update(r, (x) => {
      x.recovered = true;
      x.recovered_at = Math.floor(info.recoveredAt);
      x.recovery_ms = info.recoveryMs;
      x.recovery_attempts = info.attempts;
      if (info.block_hash) x.block_hash = info.block_hash;
    });
    this.counters.recoveryTime(info.recoveryMs);
    this.settle(key);
  }

  /** Recovery gave up (retries exhausted; reason e.g. InvalidBlock replaces the detected one, kept in metadata). */
  recoveryFailed(r: MissedBlock, key: string, info: { attempts: number; reason?: MissedBlockReason }): void {
    this.update(r, (x) => {
      x.recovery_attempts = info.attempts;
      x.metadata.recovery_failed = true;
      if (info.reason && info.reason !== x.reason) {
        x.metadata.detected_reason = x.reason;
        x.reason = info.reason;
      }
    });
    this.settle(key);
  }

  /** The latest held record of streak `s` (highest block, then latest detection), for the alert text. */
  latestIn(s: Streak): MissedBlock | undefined {
    let latest: MissedBlock | undefined;
    for (const r of this.store.values()) {
      if (r.block_number < s.fromBlock || r.block_number > s.toBlock || r.kind === 'chain_reset') continue;
      if (!latest || r.block_number > latest.block_number || (r.block_number === latest.block_number && r.timestamp >= latest.timestamp)) latest = r;
    }
    return latest;
  }

  /** Recovery is done with this record (recovered or given up): no longer pending. */
  settle(key: string): void {
    this.store.settle(key);
    this.version++; // settling may let the window evict: the cached streaks are stale
  }

  /** computeStreaks over the held records, cached until they or the head change. */
  streaks(head?: number): StreakSummary {
    const c = this.cache;
    if (c && c.version === this.version && c.head === head) return c.summary;
    const summary = computeStreaks([...this.store.values()], head === undefined ? {} : { headBlock: head });
    this.longest = Math.max(this.longest, summary.longest);
    this.cache = { version: this.version, head, summary };
    return summary;
  }

  begin(): void {
    this.made = [];
    this.events = new Map();
  }

  /** End of a call: escalate, announce, and return copies of the records made. */
  finish(head?: number): MissedBlock[] {
    if (this.made.length) this.escalate(head);
    const out = this.made.map(copyRecord);
    const events = [...this.events];
    this.begin();
    if (this.listeners.size === 0) return out;
    for (const [r, change] of events) {
      for (const l of this.listeners) {
        try {
          l(copyRecord(r), change);
        } catch (err) {
          (this.o.onListenerError ?? rethrowLater)(err);
        }
      }
    }
    return out;
  }

  /**
   * After new records: stamp each with the length of its streak, and make every held record of a
   * streak that reached alert_threshold Critical. A record already Critical is not rewritten just
   * because its streak grew further (that would rewrite a long outage's records on every block).
   */
  private escalate(head?: number): void {
    const { streaks } = this.streaks(head);
    for (const r of this.made) {
      const s = streakOf(streaks, r.block_number);
      if (s) r.streak = s.length;
    }
    const critical = streaks.filter((s) => s.length >= this.o.alertThreshold);
    if (critical.length === 0) return;
    for (const r of this.store.values()) {
      const s = streakOf(critical, r.block_number);
      if (s && r.severity !== 'Critical') this.update(r, (x) => (x.streak = s.length));
    }
  }
}

/** Loud but harmless to the monitor: the listener's bug surfaces after our state is whole. */
function rethrowLater(err: unknown): void {
  queueMicrotask(() => {
    throw err;
  });
}

function facts(r: MissedBlock) {
  return {
    kind: r.kind ?? 'gap',
    recovered: r.recovered,
    recoveryFailed: r.metadata.recovery_failed === true,
    reorgDepth: r.reorg_depth,
    streak: r.streak,
    // Set by the beacon source on its missed slots; absent (High) for those found from blocks.
    proposerWatched: typeof r.metadata.proposer_watched === 'boolean' ? r.metadata.proposer_watched : undefined,
  };
}

/** The streak (sorted, disjoint) covering block n. */
export function streakOf(streaks: readonly Streak[], n: number): Streak | undefined {
  let lo = 0;
  let hi = streaks.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = streaks[mid];
    if (n < s.fromBlock) hi = mid - 1;
    else if (n > s.toBlock) lo = mid + 1;
    else return s;
  }
  return undefined;
}
