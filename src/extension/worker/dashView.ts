// The dashboard's view of a whole log, computed in the log worker from the columns LogTotals keeps
// (a million records would take the webview seconds to receive and aggregate, and the extension
// host's thread must not do it either). The same Aggregates and ViewParts as the webview's
// DashboardModel, so a log drawn either way shows the same numbers. Its streak chart has bars for
// listed streaks only (two missed events or more, as the tree lists them).
import { Aggregates } from '../../common/dashboard/aggregates';
import { inferClock, type SlotClock } from '../../common/dashboard/heatmap';
import { BestPick, pickRule, type PickRequest } from '../../common/dashboard/model';
import type { DashboardView } from '../../common/dashboard/view';
import { matcher, type ViewSettings } from '../../common/dashboard/viewFilter';
import { ViewParts } from '../../common/dashboard/viewParts';
import type { DashRecord, RecordDetail } from '../../common/dashboard/wire';
import { MISSED_BLOCK_SEVERITIES } from '../../core/model';
import type { LogTotals } from './logTotals';

const blank = (): DashRecord => ({ key: '', timestamp: 0, block: 0, expected: 0, severity: 0, kind: 0, reason: '', source: '', slot: -1, recovered: false, recoveryMs: -1, file: '', line: 0, beaconSlot: -1, relay: '', valueWei: '', proposer: -1, proposerKey: '' });

/** The heatmap's clock: the chain's slot length, genesis from the first record that has a slot. */
export function clockOf(t: LogTotals, slotSeconds: number): SlotClock {
  const r = blank();
  return inferClock(slotSeconds, (function* () {
    for (let i = 0; i < t.count; i++) yield t.row(i, r);
  })());
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** `recent`: the newest records with their details, oldest first; `head`: the log's checkpoint head, when known. */
export function dashboardView(t: LogTotals, settings: ViewSettings, clock: SlotClock, recent: readonly RecordDetail[], head?: number): DashboardView {
  const match = matcher(settings);
  const agg = new Aggregates(clock);
  const parts = new ViewParts(agg, { listedStreaksOnly: true, head });
  const facets = { reasons: new Map<string, number>(), severities: new Map<string, number>(), sources: new Map<string, number>() };
  const r = blank();
  for (let i = 0; i < t.count; i++) {
    t.row(i, r);
    bump(facets.reasons, r.reason);
    bump(facets.severities, MISSED_BLOCK_SEVERITIES[r.severity] ?? 'Low');
    bump(facets.sources, r.source);
    const m = match(r);
    if (m) agg.add(r, 1);
    parts.add(r, m);
  }
  const shown = recent.filter((d) => match({ ...blank(), reason: d.reason, severity: MISSED_BLOCK_SEVERITIES.indexOf(d.severity as never), source: d.source ?? '', timestamp: d.timestamp })).reverse();
  return parts.build({ held: t.count, facets, recent: shown });
}

/** The line (0: none known) of the record a click stands for, among those in the view; undefined when none. */
export function pickLine(t: LogTotals, settings: ViewSettings, clock: SlotClock, p: PickRequest): number | undefined {
  const match = matcher(settings);
  const rule = pickRule(p, clock);
  const best = new BestPick(rule.where, rule.score);
  let r = blank();
  for (let i = 0; i < t.count; i++) {
    t.row(i, r);
    // The best one keeps its object; the next row gets a fresh one.
    if (match(r) && best.offer(r)) r = blank();
  }
  return best.pick?.line;
}
