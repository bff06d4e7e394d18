// Filter chips (reason, severity, source) and the time range line. A chip toggles its value in or
// out of an inclusive list; nothing selected means everything.
import type { Filter, TimeRange } from '../common/dashboard/viewFilter';
import type { Count, Facets } from '../common/dashboard/view';
import { byId, clear, el } from './dom';
import { num, when } from './format';

type Group = keyof Filter;

const GROUPS: { group: Group; id: string; facet: keyof Facets }[] = [
  { group: 'severities', id: 'filter-severities', facet: 'severities' },
  { group: 'reasons', id: 'filter-reasons', facet: 'reasons' },
  { group: 'sources', id: 'filter-sources', facet: 'sources' },
];

export class FilterBar {
  private filter: Filter = { reasons: [], severities: [], sources: [] };
  private last = '';

  constructor(
    private readonly onFilter: (f: Filter) => void,
    private readonly onResetRange: () => void,
  ) {
    byId('range-reset').addEventListener('click', () => this.onResetRange());
  }

  update(facets: Facets, filter: Filter, range: TimeRange | null): void {
    this.filter = filter;
    const sig = JSON.stringify([facets, filter]);
    if (sig !== this.last) {
      this.last = sig;
      for (const g of GROUPS) this.renderGroup(byId(g.id), g.group, facets[g.facet], filter[g.group]);
    }
    byId('range-text').textContent = range ? `${when(range.from)} – ${when(range.to)}` : 'All time';
    byId('range-reset').hidden = range === null;
  }

  private renderGroup(host: HTMLElement, group: Group, counts: Count[], selected: string[]): void {
    clear(host);
    host.appendChild(el('span', { cls: 'filter-label', text: host.dataset.label ?? group }));
    // Selected values stay visible (count 0) even when no record has them, so they can be undone.
    const all = [...counts, ...selected.filter((s) => !counts.some((c) => c.name === s)).map((name) => ({ name, count: 0 }))];
    for (const c of all) {
      const on = selected.includes(c.name);
      const chip = el('button', { cls: 'chip', attrs: { type: 'button', 'aria-pressed': String(on), 'data-value': c.name } }, el('span', { text: c.name === '' ? '(no source)' : c.name }), el('span', { cls: 'count', text: num(c.count) }));
      chip.addEventListener('click', () => {
        const next = on ? selected.filter((s) => s !== c.name) : [...selected, c.name];
        this.onFilter({ ...this.filter, [group]: next });
      });
      host.appendChild(chip);
    }
  }
}
