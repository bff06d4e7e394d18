// The headline numbers: built once, then only their text changes.
import type { Headline } from '../common/dashboard/view';
import { el } from './dom';
import { duration, num, percent } from './format';
import { formatEth } from '../core/payloads';

type Metric = 'total' | 'missedPercent' | 'recoveryRate' | 'currentStreak' | 'longestStreak' | 'avgRecovery' | 'valueLost' | 'proposers';

const TILES: { metric: Metric; label: string; help: string }[] = [
  { metric: 'total', label: 'Missed', help: 'Records (missed, delayed, missed slots, reorgs) matching the filter and range' },
  { metric: 'missedPercent', label: 'Missed %', help: 'Blocks with a record, of all block numbers between the first and the last one recorded' },
  { metric: 'recoveryRate', label: 'Recovered', help: 'Records marked recovered, as `mbm report` counts them' },
  { metric: 'currentStreak', label: 'Current streak', help: 'Consecutive missed blocks in the streak still open: the chain has not moved past it (by the log\'s checkpoint; without one, not all recovered)' },
  { metric: 'longestStreak', label: 'Longest streak', help: 'Most consecutive missed blocks' },
  { metric: 'avgRecovery', label: 'Avg recovery', help: 'Mean time from detection to recovery' },
  { metric: 'valueLost', label: 'Value lost', help: 'Payloads a relay delivered that did not land (no block in the slot, or another block), and their value' },
  { metric: 'proposers', label: 'Watched proposers', help: 'Missed slots (beacon node) of the watched validators ([beacon] validators), each named; other proposers summed' },
];

export class HeadlineView {
  private readonly values = new Map<Metric, HTMLElement>();
  private readonly subs = new Map<Metric, HTMLElement>();

  constructor(host: HTMLElement) {
    for (const t of TILES) {
      const value = el('span', { cls: 'tile-value', text: '–' });
      const sub = el('span', { cls: 'tile-sub muted' });
      host.appendChild(el('div', { cls: 'tile', attrs: { 'data-metric': t.metric, title: t.help } }, el('span', { cls: 'tile-label', text: t.label }), value, sub));
      this.values.set(t.metric, value);
      this.subs.set(t.metric, sub);
    }
  }

  update(h: Headline): void {
    const set = (m: Metric, value: string, sub = '') => {
      this.values.get(m)!.textContent = value;
      this.subs.get(m)!.textContent = sub;
    };
    set('total', num(h.total), h.firstBlock === null ? '' : `blocks #${h.firstBlock}–#${h.lastBlock}`);
    set('missedPercent', percent(h.missedPercent));
    set('recoveryRate', h.total ? percent(h.recoveryRate) : '–', `${num(h.recovered)} of ${num(h.total)}`);
    set('currentStreak', num(h.currentStreak));
    set('longestStreak', num(h.longestStreak));
    set('avgRecovery', h.avgRecoveryMs === null ? '–' : duration(h.avgRecoveryMs));
    const v = h.valueLost;
    set('valueLost', v ? formatEth(v.wei) : '–', v ? `${num(v.count)} missed payload${v.count === 1 ? '' : 's'} · ${Object.keys(v.by_relay).length} relay${Object.keys(v.by_relay).length === 1 ? '' : 's'}` : '');
    const p = h.proposers;
    const named = p ? p.watched.map((w) => `validator ${w.proposer_index}: ${num(w.missed_slots)}`) : [];
    set('proposers', p ? num(p.watched.reduce((n, w) => n + w.missed_slots, 0)) : '–', p ? [...named, `other proposers: ${num(p.other)}`].join(' · ') : '');
  }
}
