// The dashboard's value axes are as wide as their labels: ~950k records drew "0,000" on the
// Recovery time chart when the axis was a fixed 40 px. Checked for every uPlot chart of the
// webview, with a text measure of 6 px per character standing in for the canvas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type uPlot from 'uplot';

// The webview's sources are typed against the DOM (src/webview/tsconfig.json): loaded by a path the
// root typecheck does not follow. Types are restated here as far as the test needs them.
type Palette = Record<string, unknown>;
type SizeFn = (u: uPlot, values: string[], axisIdx: number, cycleNum: number) => number;
type Charts = Record<string, new (...args: unknown[]) => unknown>;
const webview = (rel: string): Promise<Record<string, unknown>> => import(path.join(__dirname, '..', '..', 'src', 'webview', rel));

// The chart classes watch their host's size; Node has no ResizeObserver.
(globalThis as { ResizeObserver?: unknown }).ResizeObserver ??= class {
  observe(): void {}
};

const pal: Palette = { foreground: '#000', muted: '#666', grid: '#ddd', background: '#fff', border: null, severity: ['#1', '#2', '#3', '#4'], cells: ['#a', '#b', '#c', '#d', '#e'] };
const host = { clientWidth: 600 };
const SIX_DIGITS = ['0', '250,000', '500,000', '750,000', '950,000'];

/** A uPlot stand-in: the axes as configured and a canvas context measuring 6 px per character. */
function fakePlot(axes: uPlot.Axis[]): uPlot {
  return { axes, ctx: { font: '', measureText: (t: string) => ({ width: t.length * 6 }) } } as unknown as uPlot;
}

test('fitLabels: ticks + gap + widest label + padding; settles from the third round', async () => {
  const base = await webview('charts/base.ts');
  const fitLabels = base.fitLabels as (m: (u: uPlot, t: string) => number) => SizeFn;
  const MIN_AXIS_PX = base.MIN_AXIS_PX as number;
  const size = fitLabels((_u, t) => t.length * 6);
  const axes = [{}, { ticks: { size: 10 }, gap: 5, font: ['11px sans-serif', 11] }] as unknown as uPlot.Axis[];
  // "1,000,000" is 9 characters: 10 + 5 + 54 + 4.
  assert.equal(size(fakePlot(axes), [...SIX_DIGITS, '1,000,000'], 1, 0), 73);
  assert.equal(size(fakePlot(axes), ['0', '5'], 1, 0), MIN_AXIS_PX);
  (axes[1] as { _size?: number })._size = 61;
  assert.equal(size(fakePlot(axes), ['0', '1,000,000,000'], 1, 2), 61, 'kept from round 3 on');
});

test('every chart sizes its value axis to 6-digit labels (it was 40 or 44 px, too narrow for "950,000")', async () => {
  const { TimelineChart } = (await webview('charts/timeline.ts')) as Charts;
  const { StreakChart } = (await webview('charts/streaks.ts')) as Charts;
  const { RecoveryChart } = (await webview('charts/recovery.ts')) as Charts;
  const charts = {
    timeline: new TimelineChart(host, pal, { select: () => undefined, pick: () => undefined }),
    streaks: new StreakChart(host, pal, () => undefined),
    recovery: new RecoveryChart(host, pal),
  };
  for (const [name, c] of Object.entries(charts)) {
    const spec = (c as unknown as { chart: { spec: { options(p: Palette, w: number): uPlot.Options } } }).chart.spec;
    const axes = spec.options(pal, 600).axes!;
    const y = axes[1];
    assert.equal(typeof y.size, 'function', `${name}: the value axis is sized to its labels`);
    // "950,000" = 7 characters = 42 px; ticks 10, gap 5, padding 4.
    const px = (y.size as SizeFn)(fakePlot(axes), SIX_DIGITS, 1, 0);
    assert.equal(px, 61, name);
  }
});
