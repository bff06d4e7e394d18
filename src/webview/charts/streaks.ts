// The streak timeline: one bar per streak at its start time, as tall as the streak is long.
import type { StreakBars } from '../../common/dashboard/view';
import type { Palette } from '../theme';
import { axis, bars, Chart, timeRange, valueAxis } from './base';

export class StreakChart {
  private readonly chart: Chart;
  private bars: StreakBars = { startedAt: [], length: [], fromBlock: [], toBlock: [], recovered: [], source: [] };

  /** `pick` gets the streak's first block and, in the fleet view, its source. */
  constructor(host: HTMLElement, p: Palette, pick: (fromBlock: number, source: string | undefined) => void) {
    this.chart = new Chart(
      host,
      {
        height: 180,
        options: (pal, width) => ({
          width,
          height: 180,
          legend: { show: false },
          cursor: { drag: { x: false, y: false }, points: { show: false } },
          scales: { x: { time: true, range: (_u, min, max) => timeRange(min - 30, max + 30) }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
          axes: [axis(pal), valueAxis(pal)],
          series: [{}, { label: 'Streak length', fill: pal.severity[3], stroke: pal.border ?? pal.severity[3], width: pal.border ? 1 : 0, paths: bars([0.8, 24]), points: { show: false } }],
        }),
        onClick: (idx) => {
          const b = idx === null ? undefined : this.bars.fromBlock[idx];
          if (b !== undefined && idx !== null) pick(b, this.bars.source[idx] || undefined);
        },
      },
      p,
    );
  }

  setPalette(p: Palette): void {
    this.chart.setPalette(p);
  }

  update(b: StreakBars): void {
    this.bars = b;
    this.chart.setData([b.startedAt, b.length]);
  }
}
