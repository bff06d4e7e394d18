// uPlot, because it draws straight to canvas from columnar (typed) arrays with no object per
// point: it renders 100k points in tens of milliseconds and stays around 50 KB, where Chart.js
// builds an object per point and animates it. What is shared by the dashboard's uPlot charts:
// theme colours, sizing to the container, rebuilding when the theme changes, and clicks.
import uPlot from 'uplot';
import type { Palette } from '../theme';

export type Data = uPlot.AlignedData;

export function axis(p: Palette, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return {
    stroke: p.muted,
    grid: { stroke: p.grid, width: 1 },
    ticks: { stroke: p.grid, width: 1 },
    font: '11px var(--vscode-font-family, sans-serif)',
    ...extra,
  };
}

/** Width of `text` drawn in `font` (a canvas font string at device pixels), in CSS pixels. */
export type MeasureText = (u: uPlot, text: string, font: string) => number;

const canvasMeasure: MeasureText = (u, text, font) => {
  u.ctx.font = font;
  return u.ctx.measureText(text).width / (globalThis.devicePixelRatio || 1);
};

/** Below this a y axis is never drawn, so a chart's plot does not jump for one-digit counts. */
export const MIN_AXIS_PX = 28;
const AXIS_PAD_PX = 4;

/**
 * An axis size that fits its widest label ("1,000,000" as well as "5"), recomputed by uPlot each
 * time the labels change. uPlot calls it in rounds until the size settles; from the third round
 * on the size is kept, so it always converges.
 */
export function fitLabels(measure: MeasureText = canvasMeasure): uPlot.Axis.Size {
  return (u, values, axisIdx, cycleNum) => {
    const a = u.axes[axisIdx] as uPlot.Axis & { _size?: number };
    if (cycleNum > 1 && a._size !== undefined) return a._size;
    const font = Array.isArray(a.font) ? String(a.font[0]) : String(a.font ?? '11px sans-serif');
    const widest = (values ?? []).reduce((w, v) => Math.max(w, v ? measure(u, String(v), font) : 0), 0);
    const ticks = a.ticks && typeof a.ticks === 'object' && typeof a.ticks.size === 'number' ? a.ticks.size : 10;
    const gap = typeof a.gap === 'number' ? a.gap : 5;
    return Math.max(MIN_AXIS_PX, Math.ceil(ticks + gap + widest + AXIS_PAD_PX));
  };
}

/** A value (y) axis: theme colours and a width that fits its labels. */
export function valueAxis(p: Palette, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return axis(p, { size: fitLabels(), ...extra });
}

/**
 * A time range at least a minute wide: uPlot ticks a span of a few seconds in milliseconds,
 * which a log with whole-second times never needs.
 */
export function timeRange(min: number | null, max: number | null): uPlot.Range.MinMax {
  const lo = min ?? 0;
  const hi = Math.max(max ?? lo, lo + 60);
  return [lo, hi];
}

export function bars(size: [number, number] = [0.9, 64], align: -1 | 0 | 1 = 0): uPlot.Series.PathBuilder {
  return uPlot.paths.bars!({ size, align });
}

export interface ChartSpec {
  height: number;
  /** Options for the current theme and width (rebuilt when the theme changes). */
  options(p: Palette, width: number): uPlot.Options;
  /** A click on the plot: the data index under the cursor (null if none). */
  onClick?(idx: number | null, u: uPlot): void;
}

/** One uPlot chart in `host`, resized with it and rebuilt for a new palette. */
export class Chart {
  private u: uPlot | undefined;
  private data: Data = [[]];
  /** A drag-select ends with a click event; that click is not a pick. */
  suppressClick = false;

  constructor(
    private readonly host: HTMLElement,
    private readonly spec: ChartSpec,
    private palette: Palette,
  ) {
    new ResizeObserver(() => {
      const w = this.width();
      if (this.u && w > 0 && Math.abs(this.u.width - w) > 1) this.u.setSize({ width: w, height: this.spec.height });
    }).observe(host);
  }

  private width(): number {
    return Math.max(200, Math.floor(this.host.clientWidth));
  }

  setData(data: Data): void {
    this.data = data;
    if (!this.u) this.build();
    else this.u.setData(data, true);
  }

  setPalette(p: Palette): void {
    this.palette = p;
    if (this.u) this.build();
  }

  private build(): void {
    this.u?.destroy();
    const u = new uPlot({ ...this.spec.options(this.palette, this.width()), height: this.spec.height }, this.data, this.host);
    u.over.addEventListener('click', () => {
      if (this.suppressClick) {
        this.suppressClick = false;
        return;
      }
      this.spec.onClick?.(u.cursor.idx ?? null, u);
    });
    this.u = u;
  }
}
