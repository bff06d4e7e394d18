// The newest records as a table. Every cell is set with textContent: metadata is whatever some
// writer put in the log (`<img src=x onerror=…>` included) and shows as the text it is.
import type { RecordDetail } from '../common/dashboard/wire';
import { clear, el } from './dom';
import { when } from './format';

export function renderRecent(body: HTMLTableSectionElement, rows: RecordDetail[], reveal: (d: RecordDetail) => void): void {
  clear(body);
  if (rows.length === 0) {
    body.appendChild(el('tr', {}, el('td', { cls: 'muted', text: 'No records.', attrs: { colspan: '8' } })));
    return;
  }
  for (const d of rows) {
    const rec = d.recovered ? `yes (${d.recovery_attempts} attempt${d.recovery_attempts === 1 ? '' : 's'})` : 'no';
    const tr = el(
      'tr',
      { cls: `sev-${d.severity}`, attrs: { tabindex: '0', 'data-key': d.key, title: d.line ? `Open line ${d.line}` : 'Line unknown (rotated away)' } },
      el('td', { text: when(d.timestamp) }),
      el('td', { text: `#${d.block_number}${d.slot !== undefined ? ` (slot ${d.slot})` : ''}` }),
      el('td', { text: d.kind }),
      el('td', { text: d.reason }),
      el('td', { cls: 'sev', text: d.severity }),
      el('td', { text: rec }),
      el('td', { text: d.source ?? '' }),
      el('td', { cls: 'meta' }, el('code', { text: d.metadata })),
    );
    tr.addEventListener('click', () => reveal(d));
    tr.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') reveal(d);
    });
    body.appendChild(tr);
  }
}

