// Recovery-time histogram: how long recovered blocks took, in roughly logarithmic buckets.
import type { Palette } from '../theme';
import { axis, bars, Chart, valueAxis } from './base';

export class RecoveryChart {
  private readonly chart: Chart;
  private labels: string[] = [];

  constructor(host: HTMLElement, p: Palette) {
    this.chart = new Chart(
      host,
      {
        height: 180,
        options: (pal, width) => ({
          width,
          height: 180,
          legend: { show: false },
          cursor: { drag: { x: false, y: false }, points: { show: false } },
          scales: { x: { time: false, range: () => [-0.5, Math.max(0, this.labels.length - 0.5)] }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          axes: [
            axis(pal, {
              splits: () => this.labels.map((_, i) => i),
              // Every label when there is room (about 44 px each), else every second or third.
              values: (u, splits) => {
                const step = Math.ceil(44 / (u.bbox.width / devicePixelRatio / Math.max(1, this.labels.length)));
                return splits.map((i) => (i % step === 0 ? (this.labels[i] ?? '') : ''));
              },
            }),
            valueAxis(pal),
          ],
          series: [{}, { label: 'Recovered', fill: pal.cells[1], stroke: pal.border ?? pal.cells[1], width: pal.border ? 1 : 0, paths: bars([0.8, 48]), points: { show: false } }],
        }),
      },
      p,
    );
  }

  setPalette(p: Palette): void {
    this.chart.setPalette(p);
  }

  update(h: { labels: string[]; counts: number[] }): void {
    this.labels = h.labels;
    this.chart.setData([h.labels.map((_, i) => i), h.counts]);
  }
}
