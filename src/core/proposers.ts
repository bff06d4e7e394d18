// Missed slots per proposer: the one tally every view uses (`mbm report` text and --json, /report,
// /stats, the tree, the dashboard). Only the beacon node's missed slots count (records with a
// beacon_slot: they carry the slot's proposer duty); missed slots found from execution timestamps
// name no proposer. Watched proposers (`[beacon] validators`, which the monitor marks on each record
// as metadata.proposer_watched) are listed by validator index; every other proposer — and a slot
// whose duty was unknown — is summed as "other proposers", so the list stays as long as the
// watched list at most, however many validators a chain has.
import { recordKey, type MissedBlock } from './model';

export interface WatchedProposerMisses {
  proposer_index: number;
  /** 0x + 96 hex digits, when a record said it. */
  proposer_pubkey?: string;
  missed_slots: number;
}

/** `missed_slots_by_proposer` in stats, `mbm report --json`, /report and /stats. */
export interface ProposerMisses {
  /** Watched proposers with at least one missed slot, by validator index (ascending). */
  watched: WatchedProposerMisses[];
  /** Missed slots of every proposer not watched (and of slots whose duty was unknown). */
  other: number;
}

type Counted = Pick<MissedBlock, 'kind' | 'block_number' | 'slot' | 'beacon_slot' | 'proposer_index' | 'proposer_pubkey' | 'metadata'> &
  Partial<Pick<MissedBlock, 'source'>>;

interface Held {
  /** Validator index of a watched proposer; undefined: counted under "other". */
  index?: number;
  pubkey?: string;
}

/** A beacon node's missed slot (it has a beacon_slot), as opposed to one found from execution timestamps. */
export function isBeaconMissedSlot(r: Pick<MissedBlock, 'kind' | 'beacon_slot'>): boolean {
  return r.kind === 'missed_slot' && typeof r.beacon_slot === 'number';
}

/**
 * The one tally of missed slots per proposer. Records are keyed as readers key them (source and
 * recordKey), so a record written again (alert_sent flipped) replaces its older version instead
 * of counting twice.
 */
export class ProposerTally {
  private readonly held = new Map<string, Held>();

  /** Any record; only a beacon node's missed slots count. */
  add(r: Counted): void {
    if (!isBeaconMissedSlot(r)) return;
    const watched = r.metadata?.proposer_watched === true && typeof r.proposer_index === 'number';
    const key = `${r.source ?? ''}\u0000${recordKey(r)}`;
    this.held.set(key, watched ? { index: r.proposer_index, ...(r.proposer_pubkey ? { pubkey: r.proposer_pubkey.toLowerCase() } : {}) } : {});
  }

  /** Missed slots counted (watched and other). */
  get size(): number {
    return this.held.size;
  }

  summary(): ProposerMisses {
    const by = new Map<number, WatchedProposerMisses>();
    let other = 0;
    for (const h of this.held.values()) {
      if (h.index === undefined) {
        other += 1;
        continue;
      }
      const w = by.get(h.index) ?? { proposer_index: h.index, missed_slots: 0 };
      w.missed_slots += 1;
      if (h.pubkey && !w.proposer_pubkey) w.proposer_pubkey = h.pubkey;
      by.set(h.index, w);
    }
    const watched = [...by.values()].sort((a, b) => a.proposer_index - b.proposer_index).map((w) => ({
      proposer_index: w.proposer_index,
      ...(w.proposer_pubkey ? { proposer_pubkey: w.proposer_pubkey } : {}),
      missed_slots: w.missed_slots,
    }));
    return { watched, other };
  }
}

/** Missed slots per proposer over a set of records. */
export function missedSlotsByProposer(records: Iterable<Counted>): ProposerMisses {
  const t = new ProposerTally();
  for (const r of records) t.add(r);
  return t.summary();
}

/** "validator 6" / "validator 6 (0xa1b2…c3d4)": how views name a watched proposer. */
export function proposerName(w: Pick<WatchedProposerMisses, 'proposer_index' | 'proposer_pubkey'>): string {
  const k = w.proposer_pubkey;
  return k && /^0x[0-9a-f]{96}$/.test(k) ? `validator ${w.proposer_index} (${k.slice(0, 6)}…${k.slice(-4)})` : `validator ${w.proposer_index}`;
}

/** Total missed slots of a summary (watched + other). */
export function proposerMissesTotal(p: ProposerMisses): number {
  return p.watched.reduce((n, w) => n + w.missed_slots, p.other);
}
