// One record of the Missed Blocks tree, and the node shapes and small builders the tree's sections
// share (treeModel.ts builds the sections). Plain data: tree.ts turns nodes into TreeItems.
import { txHashOf, type MissedBlock, type MissedBlockSeverity } from '../../core/model';
import { bothTimes, cleanText, plural, utcTime, type LocalTimeOptions } from './format';
import type { LogEntry } from './logBook';

export interface TreeIcon {
  /** Codicon id (ThemeIcon). */
  id: string;
  /** Theme colour id (ThemeColor). */
  color?: string;
}

export interface TreeNode {
  /** Unique in the tree and stable across refreshes (keeps expansion state). */
  id: string;
  label: string;
  description?: string;
  /** Plain text, never markdown: parts of it come from the log. */
  tooltip?: string;
  ariaLabel: string;
  icon?: TreeIcon;
  state: 'none' | 'collapsed' | 'expanded';
  children?: TreeNode[];
  /** Open this log (at this 1-based line) when clicked. */
  open?: { file: string; line?: number };
  contextValue?: string;
}

export interface TreeOptions {
  alertThreshold: number;
  /** Restricted Mode: nothing connects, the views say why. */
  restricted: boolean;
  time?: LocalTimeOptions;
  /** Rows under Recent. Default 50. */
  recentLimit?: number;
  /** Records listed under one severity, reason or streak. Default 100. */
  groupLimit?: number;
}

export const SEVERITY_ICON: Record<MissedBlockSeverity, TreeIcon> = {
  Critical: { id: 'error', color: 'charts.red' },
  High: { id: 'warning', color: 'charts.orange' },
  Medium: { id: 'warning', color: 'charts.yellow' },
  Low: { id: 'info', color: 'charts.blue' },
};

export function severityIcon(s: string): TreeIcon {
  return SEVERITY_ICON[s as MissedBlockSeverity] ?? { id: 'question' };
}

export function row(id: string, label: string, value: string, extra: Partial<TreeNode> = {}): TreeNode {
  return { id, label, description: value, ariaLabel: `${label}: ${value}`, state: 'none', ...extra };
}

/** A group's records are made into nodes when VS Code asks for them (the group is expanded), once. */
export function lazyChildren(node: TreeNode, make: () => TreeNode[]): TreeNode {
  let kids: TreeNode[] | undefined;
  Object.defineProperty(node, 'children', { get: () => (kids ??= make()), enumerable: true });
  return node;
}

/** The tooltip is formatted when VS Code shows it: a refresh builds thousands of nodes and shows a few. */
export function lazyTooltip(node: TreeNode, make: () => string): TreeNode {
  let tip: string | undefined;
  Object.defineProperty(node, 'tooltip', { get: () => (tip ??= make()), enumerable: true });
  return node;
}

export function openAt(entries: readonly LogEntry[], block: number): TreeNode['open'] {
  const e = entries.find((x) => x.record.block_number === block);
  return e ? { file: e.file, line: e.line } : undefined;
}

export function kindOf(r: MissedBlock): string {
  return cleanText(r.kind ?? 'gap', 20);
}

/** JSON of a metadata value; one nested thousands of levels deep (valid JSON) overflows JSON.stringify. */
function jsonPreview(v: unknown): string {
  try {
    return String(JSON.stringify(v));
  } catch {
    return Array.isArray(v) ? '[…]' : '{…}';
  }
}

export function recordTooltip(e: LogEntry, o: TreeOptions): string {
  const r = e.record;
  const lines = [
    `Block #${r.block_number} — ${kindOf(r)}${r.slot !== undefined ? ` (slot ${r.slot})` : ''}`,
    `Severity: ${cleanText(r.severity, 20)}`,
    `Reason: ${cleanText(r.reason, 40)}`,
    `Detected: ${bothTimes(r.timestamp, o.time)}`,
    `Expected: ${bothTimes(r.expected_timestamp, o.time)}`,
    `Arrived: ${bothTimes(r.actual_timestamp, o.time)}`,
    r.recovered
      ? `Recovered after ${plural(r.recovery_attempts, 'attempt')}${r.recovery_ms !== undefined ? ` in ${Math.round(r.recovery_ms)} ms` : ''}`
      : `Not recovered (${plural(r.recovery_attempts, 'attempt')})`,
  ];
  if (r.reorg_depth !== undefined) lines.push(`Reorg depth: ${r.reorg_depth}`);
  if (r.streak !== undefined) lines.push(`Streak: ${r.streak}`);
  if (r.source !== undefined) lines.push(`Source: ${cleanText(r.source, 80)}`);
  if (r.block_hash !== undefined) lines.push(`Hash: ${cleanText(r.block_hash, 70)}`);
  lines.push(`Alert sent: ${r.alert_sent ? 'yes' : 'no'}`);
  const meta = r.metadata && typeof r.metadata === 'object' ? Object.entries(r.metadata) : [];
  for (const [k, v] of meta.slice(0, 8)) lines.push(`${cleanText(k, 40)}: ${cleanText(typeof v === 'string' ? v : jsonPreview(v), 100)}`);
  if (meta.length > 8) lines.push(`… ${meta.length - 8} more metadata fields`);
  lines.push(e.line !== undefined ? `Line ${e.line}` : 'In a rotated part of the log');
  return lines.join('\n');
}

/** ` slot 123 at 12:00:24 UTC` for a missed slot: several empty slots share the block they precede. */
function slotText(r: MissedBlock): string {
  if (r.kind !== 'missed_slot' || r.slot === undefined) return '';
  return ` slot ${r.slot} at ${utcTime(r.expected_timestamp).slice(11)}`;
}

export function recordNode(e: LogEntry, o: TreeOptions, idPrefix: string): TreeNode {
  const r = e.record;
  const sev = cleanText(r.severity, 20);
  const reason = cleanText(r.reason, 40);
  // A missed transaction is named by its hash (and bundle); several can miss one block.
  const tx = r.kind === 'tx_missed' ? cleanText(txHashOf(r), 66) : '';
  const bundle = tx && typeof r.metadata?.bundle === 'string' ? ` · bundle ${cleanText(r.metadata.bundle, 40)}` : '';
  const what = tx ? `tx ${tx.slice(0, 10)}…${bundle}` : `${kindOf(r)}${slotText(r)}`;
  const desc = `${what} · ${sev} · ${reason}${r.recovered ? ' · recovered' : ''}`;
  const icon = severityIcon(r.severity);
  const node: TreeNode = {
    id: `${idPrefix}${r.block_number}|${kindOf(r)}|${r.slot ?? ''}${tx ? `|${tx}` : ''}`,
    label: `#${r.block_number}`,
    description: desc,
    ariaLabel: `Block ${r.block_number}: ${desc}`,
    icon: r.recovered ? { id: 'pass', color: icon.color } : icon,
    state: 'none',
    open: { file: e.file, line: e.line },
    contextValue: 'record',
  };
  return lazyTooltip(node, () => recordTooltip(e, o));
}
