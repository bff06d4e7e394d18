// Reasons breakdown as labelled bars in the DOM: a dozen categories read better as text than as
// a chart axis, and screen readers get the numbers for free.
import type { Count } from '../../common/dashboard/view';
import { clear, el } from '../dom';
import { num } from '../format';

export function renderReasons(host: HTMLElement, reasons: Count[]): void {
  clear(host);
  if (reasons.length === 0) {
    host.appendChild(el('p', { cls: 'muted', text: 'No records.' }));
    return;
  }
  const max = Math.max(...reasons.map((r) => r.count));
  for (const r of reasons) {
    const bar = el('span', { cls: 'bar-fill' });
    // Width through the CSSOM, which the CSP allows (a style attribute in markup it would not).
    bar.style.width = `${Math.max(1, (r.count / max) * 100)}%`;
    host.appendChild(
      el('div', { cls: 'bar-row', attrs: { 'data-reason': r.name } }, el('span', { cls: 'bar-label', text: r.name }), el('span', { cls: 'bar-track' }, bar), el('span', { cls: 'bar-value', text: num(r.count) })),
    );
  }
}
