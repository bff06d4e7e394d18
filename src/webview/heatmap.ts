// The slot heatmap on one canvas. Only the rows in view are drawn (a long log has thousands of
// epochs); the canvas sticks to the top of a scroller whose spacer gives the full height.
import { CELL_NAMES, SLOTS_PER_EPOCH, type HeatmapRow } from '../common/dashboard/heatmap';
import { el } from './dom';
import { num } from './format';
import { cellAt, cellOrigin, HEATMAP, HEATMAP_WIDTH, PITCH, visibleRows } from './heatmapLayout';
import type { Palette } from './theme';

export interface HeatmapHandlers {
  pick(slot: number): void;
  /** Text for the tooltip of a cell with a record; undefined for an empty cell. */
  describe(slot: number): string | undefined;
}

export class Heatmap {
  private rows: HeatmapRow[] = [];
  private readonly scroller: HTMLDivElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly spacer: HTMLDivElement;
  private readonly tip: HTMLDivElement;
  private readonly note: HTMLParagraphElement;

  constructor(
    host: HTMLElement,
    private palette: Palette,
    private readonly h: HeatmapHandlers,
  ) {
    this.canvas = el('canvas', { attrs: { role: 'img', 'aria-label': 'Slot heatmap' } });
    this.spacer = el('div', { cls: 'heatmap-spacer' });
    this.scroller = el('div', { cls: 'heatmap-scroller' }, this.canvas, this.spacer);
    this.scroller.style.width = `${HEATMAP_WIDTH + 16}px`;
    this.tip = el('div', { cls: 'tooltip', attrs: { role: 'tooltip' } });
    this.tip.hidden = true;
    this.note = el('p', { cls: 'muted' });
    host.append(this.scroller, this.tip, this.note);
    this.scroller.addEventListener('scroll', () => this.draw());
    this.canvas.addEventListener('click', (e) => {
      const slot = this.slotAt(e);
      if (slot !== undefined) this.h.pick(slot);
    });
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => (this.tip.hidden = true));
  }

  setPalette(p: Palette): void {
    this.palette = p;
    this.draw();
  }

  update(rows: HeatmapRow[], totalRows: number): void {
    this.rows = rows;
    // As tall as the rows, up to visibleRows; the spacer below the sticky canvas makes the rest scrollable.
    this.scroller.style.height = `${this.viewHeight() + 2}px`;
    this.spacer.style.height = `${Math.max(0, rows.length * PITCH - this.viewHeight())}px`;
    this.note.textContent = totalRows > rows.length ? `Newest ${num(rows.length)} of ${num(totalRows)} epochs with records; select a time range to see older ones.` : '';
    this.draw();
  }

  private slotAt(e: MouseEvent): number | undefined {
    const r = this.canvas.getBoundingClientRect();
    const hit = cellAt(e.clientX - r.left, e.clientY - r.top + this.scroller.scrollTop, this.rows.length);
    if (!hit) return undefined;
    const row = this.rows[hit.row];
    if (!row || row.cells[hit.col] === 0) return undefined;
    return row.epoch * SLOTS_PER_EPOCH + hit.col;
  }

  private hover(e: MouseEvent): void {
    const slot = this.slotAt(e);
    const text = slot === undefined ? undefined : this.h.describe(slot);
    this.canvas.style.cursor = text ? 'pointer' : 'default';
    if (!text) {
      this.tip.hidden = true;
      return;
    }
    this.tip.textContent = text;
    this.tip.hidden = false;
    this.tip.style.left = `${e.offsetX + 14}px`;
    this.tip.style.top = `${e.offsetY + 14}px`;
  }

  private viewHeight(): number {
    return Math.max(1, Math.min(this.rows.length, HEATMAP.visibleRows)) * PITCH;
  }

  private draw(): void {
    const dpr = window.devicePixelRatio || 1;
    const height = this.viewHeight();
    const c = this.canvas;
    if (c.width !== HEATMAP_WIDTH * dpr || c.height !== height * dpr) {
      c.width = HEATMAP_WIDTH * dpr;
      c.height = height * dpr;
      c.style.width = `${HEATMAP_WIDTH}px`;
      c.style.height = `${height}px`;
    }
    const ctx = c.getContext('2d');
    if (!ctx) return;
    const p = this.palette;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, HEATMAP_WIDTH, height);
    const top = this.scroller.scrollTop;
    const { first, last } = visibleRows(top, height, this.rows.length);
    ctx.font = '11px var(--vscode-editor-font-family, monospace)';
    ctx.textBaseline = 'middle';
    const shown: number[] = [];
    for (let r = first; r < last; r++) {
      const row = this.rows[r];
      shown.push(row.epoch);
      const y = r * PITCH - top;
      ctx.fillStyle = p.muted;
      ctx.fillText(`epoch ${row.epoch}`, 0, y + HEATMAP.cell / 2);
      for (let col = 0; col < SLOTS_PER_EPOCH; col++) {
        const o = cellOrigin(r, col);
        ctx.fillStyle = p.cells[row.cells[col]] ?? p.cells[0];
        ctx.fillRect(o.x, o.y - top, HEATMAP.cell, HEATMAP.cell);
        if (p.border && row.cells[col] !== 0) {
          ctx.strokeStyle = p.border;
          ctx.strokeRect(o.x + 0.5, o.y - top + 0.5, HEATMAP.cell - 1, HEATMAP.cell - 1);
        }
      }
    }
    // For tests and assistive tech: which epochs are on screen, and a summary.
    c.dataset.epochs = shown.join(',');
    c.setAttribute('aria-label', `Slot heatmap: ${num(this.rows.length)} epochs with records; cells: ${CELL_NAMES.join(', ')}`);
  }
}
