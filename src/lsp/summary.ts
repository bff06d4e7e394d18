// The one-line summary of a streak shared by CodeLens and the outline: "5 blocks · 1 min 12 s · 3 recovered".
// "blocks" counts missed events as computeStreaks does (several missed slots may share a number).
// Only numbers go in, so the text needs no escaping.
import type { Streak } from '../core/streaks';
import { duration } from './time';

export function streakSummary(s: Streak): string {
  return `${s.length} block${s.length === 1 ? '' : 's'} · ${duration(s.endedAt - s.startedAt)} · ${s.recovered} recovered`;
}

export function blockRange(s: Streak): string {
  return s.fromBlock === s.toBlock ? `#${s.fromBlock}` : `#${s.fromBlock}–#${s.toBlock}`;
}
