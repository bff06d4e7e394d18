// The status bar item's text, tooltip and accessible name. The text always starts with
// "$(pulse)"; the accessible name always starts with "Missed Blocks" (tests find the item by it).
import { cleanText, percent } from './format';
import { formatValueLost } from '../../core/payloads';
import { blockTimeText } from '../../core/blockTime';
import type { LiveInfo, LogView } from './live';
import type { AlertLevel, LogSummary } from './summary';
import { riskView } from './riskText';

export interface StatusBarView {
  text: string;
  tooltip: string;
  ariaLabel: string;
  level: AlertLevel;
}

export interface StatusInput {
  /** The log the item describes: the one this window monitors, else the one written to last. */
  log?: { view: LogView; summary: LogSummary };
  restricted: boolean;
  alertThreshold: number;
}

const NAME = 'Missed Blocks';

export function statusBarView(i: StatusInput): StatusBarView {
  if (!i.log) {
    const state = i.restricted ? 'Restricted Mode, not monitoring' : 'not monitoring';
    return {
      text: `$(pulse) ${NAME}`,
      tooltip: `Missed Block Monitor: ${state}.\nClick to open the Missed Blocks view.`,
      ariaLabel: `${NAME}: ${state}`,
      level: 'ok',
    };
  }
  const { view, summary } = i.log;
  const live: LiveInfo | undefined = view.live;
  const head = live?.head !== undefined ? `#${live.head}` : '—';
  const missed = live?.missedRate !== undefined ? percent(live.missedRate) : '—';
  const down = live?.connection === 'down' ? ' · down' : '';
  const risk = live?.risk && live.connection !== 'stopped' ? riskView(live.risk) : undefined;
  const atRisk = risk?.atRisk ? ' · at risk' : '';
  const text = `$(pulse) ${head} · streak ${summary.current} · ${missed} missed${down}${atRisk}`;
  const ariaParts = [
    `head block ${live?.head ?? 'unknown'}`,
    `current streak ${summary.current}`,
    `${live?.missedRate !== undefined ? percent(live.missedRate) : 'unknown'} missed`,
  ];
  if (live?.connection === 'down') ariaParts.push('node down');
  if (risk?.atRisk) ariaParts.push(`at risk of missing blocks${risk.reasons[0] ? ` (${risk.reasons[0]})` : ''}`);
  if (summary.level === 'error') ariaParts.push('critical');
  else if (summary.level === 'warning') ariaParts.push('alert threshold reached');
  const tooltip = [
    `Missed Block Monitor — ${cleanText(view.displayName, 200)}`,
    live ? `Monitoring ${cleanText(live.source, 80)} (${live.connection}${live.downReason && live.connection === 'down' ? `: ${cleanText(live.downReason, 40)}` : ''})` : 'Following a log written by another process',
    `Head: ${head}`,
    ...(live?.blockTime ? [blockTimeText(live.blockTime)] : []),
    `Current streak: ${summary.current} (alert threshold ${i.alertThreshold})`,
    `Longest streak: ${summary.longest}`,
    `Missed: ${missed}`,
    ...(risk ? [`Risk: ${risk.line}`] : []),
    `Recovered: ${summary.report.total_missed ? percent(summary.report.recovery_rate) : '—'}`,
    ...(summary.report.value_lost && summary.report.value_lost.count > 0 ? [`Value lost: ${formatValueLost(summary.report.value_lost)}`] : []),
    'Click to open the Missed Blocks view.',
  ].join('\n');
  // At risk is a warning until something worse is true.
  const level: AlertLevel = risk?.atRisk && summary.level === 'ok' ? 'warning' : summary.level;
  return { text, tooltip, ariaLabel: `${NAME}: ${ariaParts.join(', ')}`, level };
}
