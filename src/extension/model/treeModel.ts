// The Missed Blocks tree as plain data: tree.ts only turns these nodes into TreeItems. Labels are
// stable words ("Current streak", "Critical") and the changing value goes in the description;
// every node also carries an accessible label "<label>: <value>" that tests and screen readers use.
import { formatValueLost } from '../../core/payloads';
import { proposerMissesTotal, proposerName } from '../../core/proposers';
import { MISSED_BLOCK_REASONS, MISSED_BLOCK_SEVERITIES, type MissedBlock } from '../../core/model';
import { isListedStreak, MIN_LISTED_STREAK, type Streak } from '../../core/streaks';
import { blockRange, bothTimes, localTime, cleanText, duration, groupDigits, percent, plural } from './format';
import type { LiveInfo, LogView } from './live';
import type { LogEntry } from './logBook';
import type { LogSummary } from './summary';
import { riskView } from './riskText';
import { lazyChildren, lazyTooltip, openAt, recordNode, row, severityIcon, type TreeIcon, type TreeNode, type TreeOptions } from './treeRecord';

export { recordNode, recordTooltip, SEVERITY_ICON, type TreeIcon, type TreeNode, type TreeOptions } from './treeRecord';

export interface LogInput {
  view: LogView;
  entries: readonly LogEntry[];
  summary: LogSummary;
}

/**
 * The chains a log's records are of ("chain 1001", "chains 1, 10"), undefined when none says. With
 * `[[chains]]` each chain has its own log, so this is what tells the logs apart.
 */
export function chainText(entries: readonly LogEntry[]): string | undefined {
  const ids = new Set<number>();
  for (const e of entries) if (typeof e.record.chain_id === 'number') ids.add(e.record.chain_id);
  if (ids.size === 0) return undefined;
  const list = [...ids].sort((a, b) => a - b);
  return `${list.length === 1 ? 'chain' : 'chains'} ${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`;
}

/** Roots: the sections of the one log, or one expanded node per log when there are several. */
export function buildTree(logs: readonly LogInput[], o: TreeOptions): TreeNode[] {
  if (logs.length === 0) return [];
  if (logs.length === 1) return logSections(logs[0], o);
  return logs.map((l) => ({
    id: `${l.view.file}|log`,
    // File names come from the workspace: no control or bidi characters in what the tree shows.
    label: cleanText(l.view.displayName, 200),
    description: [chainText(l.entries), l.view.live ? 'monitoring' : plural(l.summary.report.total_missed, 'record')].filter(Boolean).join(' · '),
    tooltip: `${cleanText(l.view.file, 1000)}\n${l.view.live ? `Written by this window's monitor (${cleanText(l.view.live.source)})` : 'Followed as it grows'}`,
    ariaLabel: `Log ${cleanText(l.view.displayName, 200)}`,
    icon: { id: l.view.live ? 'pulse' : 'file' },
    state: 'expanded',
    children: logSections(l, o),
    open: { file: l.view.file },
    contextValue: 'log',
  }));
}

function logSections(l: LogInput, o: TreeOptions): TreeNode[] {
  const p = `${l.view.file}|`;
  const section = (key: string, label: string, state: TreeNode['state'], children: TreeNode[], description?: string, tooltip?: string): TreeNode => ({
    id: p + key,
    label,
    description,
    tooltip,
    ariaLabel: description ? `${label}: ${description}` : label,
    state: children.length ? state : 'none',
    children,
    contextValue: `section.${key}`,
  });
  const bySeverity = severityNodes(l, o, p);
  const byReason = reasonNodes(l, o, p);
  const streaks = streakNodes(l, o, p);
  const recent = [...l.entries]
    .sort((a, b) => b.seq - a.seq)
    .slice(0, o.recentLimit ?? 50)
    .map((e) => recordNode(e, o, `${p}recent|`));
  const sections = [
    section('status', 'Status', 'expanded', statusNodes(l, o, p)),
    section('severity', 'By Severity', 'expanded', bySeverity),
    section('reason', 'By Reason', 'collapsed', byReason, byReason.length ? undefined : 'none'),
    section('streaks', 'Streaks', 'collapsed', streaks.nodes, streaks.count ? String(streaks.count) : 'none',
      `Runs of ${MIN_LISTED_STREAK} or more missed events on consecutive blocks (a lone missed block is not listed); longest ${l.summary.longest}.`),
    section('recent', 'Recent', 'collapsed', recent, recent.length ? undefined : 'none'),
  ];
  // Expected transactions that missed their block (mbm expect, POST /expect): only in logs that have them.
  const txs = l.entries.filter((e) => e.record.kind === 'tx_missed');
  if (txs.length > 0) sections.push(section('transactions', 'Transactions', 'collapsed', groupChildren(txs, o, `${p}tx|`), plural(txs.length, 'missed transaction')));
  return sections;
}

function connectionText(live: LiveInfo | undefined, restricted: boolean, stoppedAt: number | undefined, o: TreeOptions): string {
  if (!live && stoppedAt !== undefined) return `stopped at ${localTime(stoppedAt / 1000, o.time)}`;
  if (!live) return restricted ? 'Restricted Mode (not connecting)' : 'not monitored in this window';
  switch (live.connection) {
    case 'connecting':
      return 'connecting…';
    case 'up':
      return live.backfill ? `up, backfilling ${live.backfill}` : 'up';
    case 'down':
      return `down (${cleanText(live.downReason ?? 'Unknown', 40)})${live.downDetail ? `: ${cleanText(live.downDetail, 160)}` : ''}`;
    case 'stopped':
      return 'stopped';
  }
}

function statusNodes(l: LogInput, o: TreeOptions, p: string): TreeNode[] {
  const { live } = l.view;
  const s = l.summary;
  const r = s.report;
  const id = (k: string) => `${p}status|${k}`;
  const connIcon: TreeIcon = !live
    ? { id: 'debug-disconnect' }
    : live.connection === 'up'
      ? { id: 'pass', color: 'charts.green' }
      : live.connection === 'down'
        ? { id: 'error', color: 'charts.red' }
        : { id: 'loading~spin' };
  const source = live?.source ?? (s.latest?.record.source !== undefined ? s.latest.record.source : undefined);
  const streakColor = s.level === 'error' ? 'charts.red' : s.level === 'warning' ? 'charts.orange' : undefined;
  const chain = chainText(l.entries);
  const nodes: TreeNode[] = [
    row(id('connection'), 'Connection', connectionText(live, o.restricted, l.view.stoppedAt, o), { icon: connIcon }),
    row(id('source'), 'Source', source !== undefined ? cleanText(source, 80) : 'unknown', { icon: { id: 'server' } }),
    // Only when the records say (a log of one chain per [[chains]] table, or an older log without chain_id).
    ...(chain ? [row(id('chain'), 'Chain', chain.replace(/^chains? /, ''), { icon: { id: 'link' }, tooltip: 'The chain id the records carry (eth_chainId of the node).' })] : []),
    row(id('head'), 'Head', live?.head !== undefined ? `#${live.head}` : '—', {
      icon: { id: 'symbol-number' },
      tooltip: live ? 'The latest block the monitor processed.' : `No monitor in this window writes this log.${s.lastBlock !== undefined ? ` Highest block in it: #${s.lastBlock}.` : ''}`,
    }),
    row(id('current'), 'Current streak', String(s.current), {
      icon: { id: 'flame', color: streakColor },
      tooltip: s.openStreak
        ? `${blockRange(s.openStreak.fromBlock, s.openStreak.toBlock)}; alert threshold ${o.alertThreshold}`
        : `No open streak; alert threshold ${o.alertThreshold}`,
      open: s.openStreak ? openAt(l.entries, s.openStreak.fromBlock) : undefined,
    }),
    row(id('longest'), 'Longest streak', String(s.longest), { icon: { id: 'graph-line' } }),
    row(id('missed'), 'Missed', live?.missedRate !== undefined ? percent(live.missedRate) : '—', {
      icon: { id: 'percentage' },
      tooltip: live
        ? 'Missed events / (blocks processed + missed events) since monitoring started.'
        : 'Needs the number of blocks processed, which only a monitor running in this window knows.',
    }),
    row(id('recovered'), 'Recovered', r.total_missed ? `${percent(r.recovery_rate)} (${r.recovered} of ${r.total_missed})` : '—', {
      icon: { id: 'history' },
    }),
  ];
  if (live?.risk && live.connection !== 'stopped') {
    const v = riskView(live.risk);
    const reasons: TreeNode[] = v.reasons.map((text, i) => ({ id: id(`risk|${i}`), label: text, ariaLabel: `Reason: ${text}`, icon: { id: 'arrow-small-right' }, state: 'none' }));
    nodes.push(row(id('risk'), 'Risk', v.line, {
      icon: v.atRisk ? { id: 'warning', color: 'charts.yellow' } : { id: 'shield' },
      tooltip: v.tooltip,
      children: reasons,
      state: reasons.length ? (v.atRisk ? 'expanded' : 'collapsed') : 'none',
    }));
  }
  if (s.loading) {
    const { done, total } = s.loading;
    nodes.push(row(id('loading'), 'Reading the log', total > 0 ? `${Math.floor((done / total) * 100)}% of ${mb(total)}` : 'starting…', {
      icon: { id: 'loading~spin' },
      tooltip: 'The log is read in the background; its totals appear when it has been read.',
    }));
  }
  if (s.window) {
    const text = `newest ${groupDigits(s.window.shown)} of ${groupDigits(s.window.total)}`;
    nodes.push(row(id('window'), 'Records shown', text, {
      icon: { id: 'list-filter' },
      tooltip: `The log holds ${plural(s.window.total, 'record')}: the totals (Recovered, By Severity, By Reason, Longest streak) count all of them; the lists, Streaks and Recent show the newest ${groupDigits(s.window.shown)}.`,
    }));
  }
  const v = r.value_lost;
  if (v && v.count > 0) {
    const relays = Object.entries(v.by_relay).map(([relay, x]) => row(id(`value|${relay}`), cleanText(relay, 80), formatValueLost(x), { icon: { id: 'server' } }));
    nodes.push(row(id('value'), 'Value lost', formatValueLost(v), {
      icon: { id: 'credit-card', color: 'charts.red' },
      tooltip: 'Payloads a relay delivered that did not land (no block in the slot, or another block), and their value.',
      children: relays,
      state: 'collapsed',
    }));
  }
  const byProposer = r.missed_slots_by_proposer;
  if (byProposer && proposerMissesTotal(byProposer) > 0) {
    const children = [
      ...byProposer.watched.map((w) => row(id(`proposer|${w.proposer_index}`), cleanText(proposerName(w), 80), plural(w.missed_slots, 'missed slot'), { icon: { id: 'eye' }, tooltip: 'A watched validator ([beacon] validators).' })),
      row(id('proposer|other'), 'Other proposers', plural(byProposer.other, 'missed slot'), { icon: { id: 'person' } }),
    ];
    nodes.push(row(id('proposers'), 'Missed slots by proposer', plural(proposerMissesTotal(byProposer), 'missed slot'), {
      icon: { id: 'organization' },
      tooltip: 'Missed slots the beacon node reported: each watched validator ([beacon] validators) by name, every other proposer summed.',
      children,
      state: 'collapsed',
    }));
  }
  if (l.view.badLines > 0) {
    nodes.push(row(id('invalid'), 'Invalid lines', String(l.view.badLines), {
      icon: { id: 'warning', color: 'charts.yellow' },
      tooltip: 'Lines that are not valid records were skipped; run `mbm validate` on the log for details.',
    }));
  }
  return nodes;
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0)} MB`;
}

/** `total`: how many records the group has in the whole log (more than listed when windowed). */
function groupChildren(entries: LogEntry[], o: TreeOptions, idPrefix: string, total = entries.length): TreeNode[] {
  const limit = o.groupLimit ?? 100;
  const sorted = entries.sort((a, b) => b.seq - a.seq);
  const nodes = sorted.slice(0, limit).map((e) => recordNode(e, o, idPrefix));
  const listed = Math.min(limit, sorted.length);
  if (total > listed) {
    const more = `${total - listed} older`;
    nodes.push({ id: `${idPrefix}more`, label: '…', description: more, ariaLabel: `${more} records not listed`, state: 'none' });
  }
  return nodes;
}

function severityNodes(l: LogInput, o: TreeOptions, p: string): TreeNode[] {
  const groups = groupBy(l.entries, (r) => r.severity);
  const names = [...MISSED_BLOCK_SEVERITIES].reverse() as string[];
  // A severity from a newer writer still shows, after the known ones.
  for (const k of groups.keys()) if (!names.includes(k)) names.push(k);
  return names.map((sev) => {
    const list = groups.get(sev) ?? [];
    const id = `${p}severity|${sev}`;
    const n = count(l, 'by_severity', sev, list.length);
    return lazyChildren({
      id,
      label: cleanText(sev, 40),
      description: String(n),
      ariaLabel: `${cleanText(sev, 40)}: ${n}`,
      icon: severityIcon(sev),
      state: list.length ? 'collapsed' : 'none',
      contextValue: 'severity',
    }, () => groupChildren(list, o, `${id}|`, n));
  });
}

/** A group's size: the whole log's (report) when the entries are a window of it, else the entries'. */
function count(l: LogInput, field: 'by_severity' | 'by_reason', name: string, inWindow: number): number {
  return l.summary.window ? (l.summary.report[field][name] ?? inWindow) : inWindow;
}

function reasonNodes(l: LogInput, o: TreeOptions, p: string): TreeNode[] {
  const groups = groupBy(l.entries, (r) => r.reason);
  if (l.summary.window) {
    // Reasons the window no longer holds still count.
    for (const [k, n] of Object.entries(l.summary.report.by_reason)) if (n > 0 && !groups.has(k)) groups.set(k, []);
  }
  const order = (k: string) => {
    const i = (MISSED_BLOCK_REASONS as readonly string[]).indexOf(k);
    return i === -1 ? MISSED_BLOCK_REASONS.length : i;
  };
  const n = (reason: string, list: LogEntry[]) => count(l, 'by_reason', reason, list.length);
  return [...groups.entries()]
    .sort((a, b) => n(b[0], b[1]) - n(a[0], a[1]) || order(a[0]) - order(b[0]))
    .map(([reason, list]) => {
      const id = `${p}reason|${reason}`;
      const worst = list.reduce<string>((w, e) => (sevRank(e.record.severity) > sevRank(w) ? e.record.severity : w), 'Low');
      const total = n(reason, list);
      return lazyChildren({
        id,
        label: cleanText(reason, 40),
        description: String(total),
        ariaLabel: `${cleanText(reason, 40)}: ${total}`,
        icon: { id: 'tag', color: severityIcon(worst).color },
        state: list.length ? 'collapsed' : 'none',
        contextValue: 'reason',
      }, () => groupChildren(list, o, `${id}|`, total));
    });
}

function groupBy(entries: readonly LogEntry[], key: (r: MissedBlock) => string): Map<string, LogEntry[]> {
  const groups = new Map<string, LogEntry[]>();
  for (const e of entries) {
    const k = key(e.record);
    const list = groups.get(k);
    if (list) list.push(e);
    else groups.set(k, [e]);
  }
  return groups;
}

function sevRank(s: string): number {
  return (MISSED_BLOCK_SEVERITIES as readonly string[]).indexOf(s);
}

/** Streaks of MIN_LISTED_STREAK or more records, newest first, and how many there are in all. */
function streakNodes(l: LogInput, o: TreeOptions, p: string): { nodes: TreeNode[]; count: number } {
  const limit = o.groupLimit ?? 100;
  const byBlock = [...l.entries].sort((a, b) => a.record.block_number - b.record.block_number || a.seq - b.seq);
  const streaks = l.summary.streaks;
  const nodes: TreeNode[] = [];
  // Newest first; each streak's records are a contiguous run of the block-sorted entries.
  let hi = byBlock.length;
  for (let i = streaks.length - 1; i >= 0 && nodes.length < limit; i--) {
    const s = streaks[i];
    let lo = hi;
    while (lo > 0 && byBlock[lo - 1].record.block_number >= s.fromBlock) lo--;
    const members = byBlock.slice(lo, hi);
    hi = lo;
    if (isListedStreak(s)) nodes.push(streakNode(s, members, l.summary.openStreak === s, o, p));
  }
  return { nodes, count: streaks.filter((s) => isListedStreak(s)).length };
}

function streakNode(s: Streak, members: LogEntry[], open: boolean, o: TreeOptions, p: string): TreeNode {
  const id = `${p}streak|${s.fromBlock}`;
  const range = blockRange(s.fromBlock, s.toBlock);
  const span = duration(s.endedAt - s.startedAt);
  const worst = members.reduce<string>((w, e) => (sevRank(e.record.severity) > sevRank(w) ? e.record.severity : w), 'Low');
  const reached = s.length >= o.alertThreshold;
  const tooltip = () => [
    `Streak ${range}${open ? ' (current)' : ''}`,
    `${plural(s.length, 'missed event')}, ${s.recovered} recovered`,
    `Duration: ${span}`,
    `First detected: ${bothTimes(s.startedAt, o.time)}`,
    `Last detected: ${bothTimes(s.endedAt, o.time)}`,
    reached ? `Reached the alert threshold (${o.alertThreshold})` : `Below the alert threshold (${o.alertThreshold})`,
  ].join('\n');
  const first = members[0];
  const node = lazyTooltip({
    id,
    label: range,
    description: `${s.length} missed · ${span}${open ? ' · current' : ''}`,
    ariaLabel: `Streak ${range}: ${s.length} missed, ${span}${open ? ', current' : ''}`,
    icon: { id: 'flame', color: severityIcon(worst).color },
    state: 'collapsed',
    open: first ? { file: first.file, line: first.line } : undefined,
    contextValue: 'streak',
  }, tooltip);
  return lazyChildren(node, () => groupChildren([...members], o, `${id}|`));
}

