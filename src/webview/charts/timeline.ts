// Missed records over time, stacked by severity. Each severity is drawn as its own segment, from
// the sum of the less severe ones up (a custom uPlot path): theme colours may be translucent, so
// painting the bars over each other would blend them into colours the legend does not show.
import uPlot from 'uplot';
import { MISSED_BLOCK_SEVERITIES } from '../../core/model';
import type { TimelineSeries } from '../../common/dashboard/timeline';
import type { Palette } from '../theme';
import { axis, Chart, timeRange, valueAxis } from './base';

export interface TimelineHandlers {
  /** A bar was clicked: the bucket [from, to). */
  pick(from: number, to: number): void;
  /** A range was dragged out (unix s, inclusive). */
  select(from: number, to: number): void;
}

export class TimelineChart {
  private readonly chart: Chart;
  private series: TimelineSeries = { bucketSeconds: 60, x: [], bySeverity: [] };
  /** cum[s][i]: records of severities 0..s in bucket i (the top of segment s). */
  private cum: number[][] = [];

  constructor(host: HTMLElement, p: Palette, h: TimelineHandlers) {
    const segment = (s: number): uPlot.Series.PathBuilder => (u, _seriesIdx, idx0, idx1) => {
      const path = new Path2D();
      const xs = this.series.x;
      const top = this.cum[s];
      const bottom = s > 0 ? this.cum[s - 1] : undefined;
      for (let i = idx0; i <= idx1; i++) {
        const lo = bottom ? bottom[i] : 0;
        if (!top || top[i] <= lo) continue;
        const x0 = u.valToPos(xs[i], 'x', true);
        const x1 = u.valToPos(xs[i] + this.series.bucketSeconds, 'x', true);
        const y0 = u.valToPos(lo, 'y', true);
        const y1 = u.valToPos(top[i], 'y', true);
        path.rect(x0, y1, Math.max(1, x1 - x0 - 1), y0 - y1);
      }
      return { stroke: path, fill: path };
    };
    this.chart = new Chart(
      host,
      {
        height: 220,
        options: (pal, width) => ({
          width,
          height: 220,
          legend: { show: false },
          cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
          scales: { x: { time: true, range: (_u, min, max) => timeRange(min, max + this.series.bucketSeconds) }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          axes: [axis(pal), valueAxis(pal)],
          series: [
            {},
            ...MISSED_BLOCK_SEVERITIES.map((name, s): uPlot.Series => ({ label: name, fill: pal.severity[s], stroke: pal.border ?? pal.severity[s], width: pal.border ? 1 : 0, paths: segment(s), points: { show: false } })),
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
          if (x !== undefined && (this.cum.at(-1)?.[idx] ?? 0) > 0) h.pick(x, x + this.series.bucketSeconds);
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
    this.cum = [];
    for (let s = 0; s < t.bySeverity.length; s++) this.cum.push(t.bySeverity[s].map((v, i) => v + (s > 0 ? this.cum[s - 1][i] : 0)));
    // Each series' data is the top of its segment, so the y scale fits the stacked total.
    this.chart.setData([t.x, ...this.cum]);
  }
}
