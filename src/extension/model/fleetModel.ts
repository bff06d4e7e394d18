// The "Fleet" node: every monitor writing to the shared store, side by side — one row per
// (source, chain) with its current and longest streak, and under it the severities and longest
// streaks. The numbers are the store's report per monitor (node/store/fleet.ts fleetSummary), the same
// ones `mbm report --from-postgres --source S` prints. Pure: tree.ts turns nodes into TreeItems.
import { MISSED_BLOCK_SEVERITIES } from '../../core/model';
import type { FleetSourceSummary } from '../../node/store/fleet';
import type { FleetState } from '../fleet/fleetPoller';
import { blockRange, bothTimes, cleanText, duration, percent, plural, type LocalTimeOptions } from './format';
import type { TreeNode } from './treeModel';

export const FLEET_ID = 'fleet|';

/** What the Fleet node shows when there is no state to show. */
export type FleetAbsence = 'restricted';

export function monitorName(m: Pick<FleetSourceSummary, 'source' | 'chain_id'>): string {
  const src = m.source === null ? '(no source)' : cleanText(m.source, 60);
  return m.chain_id === null ? src : `${src} · chain ${m.chain_id}`;
}

export function fleetNode(state: FleetState | FleetAbsence, o: { time?: LocalTimeOptions } = {}): TreeNode {
  const base = { id: FLEET_ID, label: 'Fleet', contextValue: 'fleet' } as const;
  if (state === 'restricted') {
    const d = 'Restricted Mode (not connecting)';
    return { ...base, description: d, ariaLabel: `Fleet: ${d}`, tooltip: 'The shared store is read once the workspace is trusted.', icon: { id: 'database' }, state: 'none' };
  }
  const where = cleanText(state.where, 80);
  if (state.status === 'connecting') {
    return { ...base, description: 'connecting…', ariaLabel: 'Fleet: connecting…', tooltip: where, icon: { id: 'loading~spin' }, state: 'none' };
  }
  const monitors = state.monitors ?? [];
  const children = monitors.map((m) => monitorNode(m, o));
  const stale = state.status === 'error';
  const description = stale ? `unreachable (${cleanText(state.error, 60)})` : plural(monitors.length, 'monitor');
  const updated = state.updatedAt ? `\nUpdated ${new Date(state.updatedAt).toISOString()}` : '';
  return {
    ...base,
    // VS Code remembers a node it first saw as a leaf as collapsed, whatever state it says later:
    // the node with monitors gets its own id, so it opens expanded once they arrive.
    id: children.length ? `${FLEET_ID}monitors` : FLEET_ID,
    description,
    ariaLabel: `Fleet: ${description}`,
    tooltip: `${where}${stale ? `\n${cleanText(state.error, 300)}\nThe numbers below are from the last successful look.` : ''}${updated}`,
    icon: stale ? { id: 'error', color: 'charts.red' } : { id: 'database' },
    state: children.length ? 'expanded' : 'none',
    children,
  };
}

function monitorNode(m: FleetSourceSummary, o: { time?: LocalTimeOptions }): TreeNode {
  const name = monitorName(m);
  const id = `${FLEET_ID}${m.source ?? ''}|${m.chain_id ?? ''}`;
  const description = `current ${m.current_streak} · longest ${m.longest_streak} · ${plural(m.total_missed, 'missed', 'missed')}`;
  // Most severe first, as the rest of the tree lists them.
  const severityOrder = [...MISSED_BLOCK_SEVERITIES].reverse();
  const worst = severityOrder.find((s) => (m.by_severity[s] ?? 0) > 0);
  const color = m.current_streak > 0 ? 'charts.red' : worst === 'Critical' || worst === 'High' ? 'charts.orange' : undefined;
  const tip = [
    name,
    `Missed: ${m.total_missed}, recovered ${m.recovered} (${percent(m.recovery_rate)})`,
    `Current streak: ${m.current_streak}, longest: ${m.longest_streak}`,
    m.first_block !== null && m.last_block !== null ? `Blocks ${blockRange(m.first_block, m.last_block)}` : undefined,
    m.last_timestamp !== null ? `Last record: ${bothTimes(m.last_timestamp, o.time)}` : undefined,
  ].filter(Boolean);
  const severities: TreeNode[] = severityOrder.map((s) => ({
    id: `${id}|sev|${s}`,
    label: s,
    description: String(m.by_severity[s] ?? 0),
    ariaLabel: `${s}: ${m.by_severity[s] ?? 0}`,
    state: 'none',
  }));
  const streaks: TreeNode[] = m.streaks.map((s) => {
    const what = `${blockRange(s.from_block, s.to_block)} · ${plural(s.length, 'block')} · ${duration(s.ended_at - s.started_at)}`;
    return {
      id: `${id}|streak|${s.from_block}`,
      label: 'Streak',
      description: `${what} · ${s.recovered} recovered`,
      ariaLabel: `Streak ${what}, ${s.recovered} recovered`,
      tooltip: `Started ${bothTimes(s.started_at, o.time)}`,
      icon: { id: 'flame' },
      state: 'none',
    };
  });
  return {
    id,
    label: name,
    description,
    ariaLabel: `Monitor ${name}: ${description}`,
    tooltip: tip.join('\n'),
    icon: { id: 'server', color },
    state: 'collapsed',
    children: [...severities, ...streaks],
    contextValue: 'fleetMonitor',
  };
}
