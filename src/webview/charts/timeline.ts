// Missed records over time, stacked by severity. uPlot does not stack: each series is drawn as
// the cumulative count up to its severity, most severe (the total) first, so the smaller ones
// painted over it leave each severity's band visible.
import type uPlot from 'uplot';
import { MISSED_BLOCK_SEVERITIES } from '../../core/model';
import type { TimelineSeries } from '../../core/dashboard/timeline';
import type { Palette } from '../theme';
import { axis, bars, Chart } from './base';

export interface TimelineHandlers {
  /** A bar was clicked: the bucket [from, to). */
  pick(from: number, to: number): void;
  /** A range was dragged out (unix s, inclusive). */
  select(from: number, to: number): void;
}

export class TimelineChart {
  private readonly chart: Chart;
  private series: TimelineSeries = { bucketSeconds: 60, x: [], bySeverity: [] };

  constructor(host: HTMLElement, p: Palette, h: TimelineHandlers) {
    const sev = MISSED_BLOCK_SEVERITIES.length;
    this.chart = new Chart(
      host,
      {
        height: 220,
        options: (pal, width) => ({
          width,
          height: 220,
          legend: { show: false },
          cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
          scales: { x: { time: true, range: (_u, min, max) => [min, max + this.series.bucketSeconds] } },
          axes: [axis(pal), axis(pal, { size: 44 })],
          series: [
            {},
            // Most severe first: index 1 is the total (Critical's colour), index sev the Low count.
            ...Array.from({ length: sev }, (_, k): uPlot.Series => {
              const s = sev - 1 - k;
              return { label: MISSED_BLOCK_SEVERITIES[s], fill: pal.severity[s], stroke: pal.border ?? pal.severity[s], width: pal.border ? 1 : 0, paths: bars([1, 64], 1), points: { show: false } };
            }),
          ],
          hooks: {
            setSelect: [
              (u) => {
                if (u.select.width < 3) return;
                const from = Math.floor(u.posToVal(u.select.left, 'x'));
                const to = Math.ceil(u.posToVal(u.select.left + u.select.width, 'x'));
                this.chart.suppressClick = true;
                u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
                h.select(from, to);
              },
            ],
          },
        }),
        onClick: (idx) => {
          if (idx === null) return;
          const x = this.series.x[idx];
          const total = this.series.bySeverity.reduce((n, c) => n + (c[idx] ?? 0), 0);
          if (x !== undefined && total > 0) h.pick(x, x + this.series.bucketSeconds);
        },
      },
      p,
    );
  }

  setPalette(p: Palette): void {
    this.chart.setPalette(p);
  }

  update(t: TimelineSeries): void {
    this.series = t;
    const sev = t.bySeverity.length;
    // cum[s] = count of severities 0..s, per bucket.
    const cum: number[][] = [];
    for (let s = 0; s < sev; s++) cum.push(t.bySeverity[s].map((v, i) => v + (s > 0 ? cum[s - 1][i] : 0)));
    this.chart.setData([t.x, ...cum.reverse()]);
  }
}
