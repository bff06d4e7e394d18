// The dashboard's browser side: receives records from the host (protocol.ts), aggregates them
// with the shared view-model (src/common/dashboard), and draws. Filters and ranges apply here, without a
// round trip; the host hears of them only so it can hand them back after a reload.
import { DashboardModel } from '../common/dashboard/model';
import { sanitizeView, type Filter, type ViewSettings } from '../common/dashboard/viewFilter';
import { CELL_NAMES, cellStateOf } from '../common/dashboard/heatmap';
import type { DashRecord, RecordDetail } from '../common/dashboard/wire';
import { MISSED_BLOCK_KINDS, MISSED_BLOCK_SEVERITIES } from '../core/model';
import { sourceWord, type HostMessage, type RenderedMessage, type SnapshotMessage, type SourceInfo, type ViewMessage } from '../common/protocol';
import type { PickRequest } from '../common/dashboard/model';
import type { DashboardView } from '../common/dashboard/view';
import { RecoveryChart } from './charts/recovery';
import { renderReasons } from './charts/reasons';
import { StreakChart } from './charts/streaks';
import { TimelineChart } from './charts/timeline';
import { byId, el } from './dom';
import { FilterBar } from './filters';
import { num, when } from './format';
import { HeadlineView } from './headline';
import { Heatmap } from './heatmap';
import { renderRecent } from './recent';
import { ReplayBar } from './replayBar';
import { onThemeChange, palette } from './theme';
import { vscode } from './vscodeApi';

const saved = vscode.getState() ?? {};
let view: ViewSettings = sanitizeView(saved.view);
let model: DashboardModel | undefined;
/** A big log's view aggregated by the host's log worker: drawn as it is; clicks ask the host. */
let remote: DashboardView | undefined;

/** What a click stands for: found in the records held here, or asked of the host. */
function pick(p: PickRequest): void {
  if (model) return reveal(model.pick(p));
  if (remote) vscode.postMessage({ type: 'pick', pick: p });
}
let source: SourceInfo | undefined;
let pal = palette();

const headline = new HeadlineView(byId('headline'));
const filters = new FilterBar(
  (f: Filter) => changeView({ ...view, filter: f }),
  () => changeView({ ...view, range: null }),
);
const timeline = new TimelineChart(byId('chart-timeline'), pal, {
  pick: (from, to) => pick({ what: 'time', from, to }),
  select: (from, to) => changeView({ ...view, range: { from, to } }),
});
const streaks = new StreakChart(byId('chart-streaks'), pal, (block, src) => pick({ what: 'block', block, ...(src !== undefined ? { source: src } : {}) }));
const recovery = new RecoveryChart(byId('chart-recovery'), pal);
let hoverSlot = NaN;
let hoverText: string | undefined;
const heatmap = new Heatmap(byId('heatmap'), pal, {
  pick: (slot) => pick({ what: 'slot', slot }),
  describe: (slot) => {
    // A look-up scans the records: only when the pointer moves to another cell.
    if (slot !== hoverSlot) {
      hoverSlot = slot;
      const r = model?.recordInSlot(slot);
      hoverText = r && `slot ${slot} · ${CELL_NAMES[cellStateOf(r)]} · block #${r.block} · ${MISSED_BLOCK_KINDS[r.kind]} · ${r.reason} · ${MISSED_BLOCK_SEVERITIES[r.severity]} · ${when(r.timestamp)}`;
    }
    return hoverText;
  },
});
const replay = new ReplayBar((a) => vscode.postMessage({ type: 'replayControl', ...a }));
renderLegends();

onThemeChange(() => {
  pal = palette();
  for (const c of [timeline, streaks, recovery, heatmap]) c.setPalette(pal);
  renderLegends();
});

/** Legends in the charts' own (resolved, opaque) colours, set through the CSSOM. */
function renderLegends(): void {
  const key = (text: string, color: string) => {
    const swatch = el('span', { cls: 'swatch' });
    swatch.style.background = color;
    return el('span', { cls: 'key' }, swatch, el('span', { text }));
  };
  byId('legend-severity').replaceChildren(...MISSED_BLOCK_SEVERITIES.map((s, i) => key(s, pal.severity[i])));
  byId('legend-cells').replaceChildren(...CELL_NAMES.map((n, i) => key(n, pal.cells[i])));
}

function status(text: string, error = false): void {
  const s = byId('status');
  s.textContent = text;
  s.classList.toggle('error', error);
}

function reveal(r: DashRecord | RecordDetail | undefined): void {
  if (!r) return;
  if (source?.mode === 'fleet') {
    const block = 'block_number' in r ? r.block_number : r.block;
    status(`Block ${block} of ${r.source || 'a monitor without a source label'}: records of the shared store have no line in a local log.`);
    return;
  }
  if (!r.line) {
    status('That record’s line is not known any more (its file was rotated).');
    return;
  }
  vscode.postMessage({ type: 'reveal', file: r.file, line: r.line, key: r.key });
}

function persist(): void {
  vscode.setState({ ...(source?.mode === 'fleet' ? { fleet: true } : source?.mode === 'live' ? { file: source.file } : saved.file ? { file: saved.file } : {}), view });
}

function changeView(next: ViewSettings): void {
  view = sanitizeView(next);
  model?.setView(view);
  persist();
  vscode.postMessage({ type: 'viewChanged', view });
  scheduleRender();
}

/** Compute the view and draw it; returns how long each took (ms). */
function render(): { viewMs: number; drawMs: number } {
  if (!model && !remote) return { viewMs: 0, drawMs: 0 };
  const t0 = performance.now();
  const v = model ? model.view() : remote!;
  const t1 = performance.now();
  headline.update(v.headline);
  filters.update(v.facets, view.filter, view.range);
  timeline.update(v.timeline);
  renderReasons(byId('chart-reasons'), v.reasons);
  streaks.update(v.streaks);
  recovery.update(v.histogram);
  heatmap.update(v.heatmap.rows, v.heatmap.totalRows);
  renderRecent(byId<HTMLTableElement>('recent').tBodies[0], v.recent, reveal);
  hoverSlot = NaN;
  const shown = v.shown === v.held ? `${num(v.held)} records` : `${num(v.shown)} of ${num(v.held)} records`;
  status(`${shown} · ${sourceWord(source)} · updated ${new Date().toLocaleTimeString()}`);
  document.body.dataset.records = String(v.held);
  const t2 = performance.now();
  renderCost = t2 - t0;
  return { viewMs: t1 - t0, drawMs: t2 - t1 };
}

// Deltas can arrive many times a second. Renders are spaced by at least 200 ms, and by twice the
// last render's cost, so a huge log (a view of 100k records takes a few hundred ms) never keeps
// the page busy more than a third of the time.
let renderQueued = false;
let lastRender = 0;
let renderCost = 0;
function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  const wait = Math.max(0, Math.max(200, 2 * renderCost) - (performance.now() - lastRender));
  setTimeout(
    () =>
      requestAnimationFrame(() => {
        renderQueued = false;
        render();
        lastRender = performance.now();
      }),
    wait,
  );
}

/** The shown log's head (its checkpoint), or each monitor's (fleet), from the host's 'head' messages. */
let head: number | undefined;
let heads: Record<string, number> | undefined;

/** A view from the host: a new log (new seq) is drawn at once and reports its first paint; an update is scheduled. */
let remoteSeq = -1;
function onView(m: ViewMessage): void {
  const t0 = performance.now();
  const transferMs = Date.now() - m.sentAt;
  const update = m.seq === remoteSeq && remote !== undefined;
  remote = m.view;
  model = undefined;
  if (update) return scheduleRender();
  remoteSeq = m.seq;
  source = m.source;
  byId('source').textContent = `Log ${m.source.displayName}`;
  replay.show(false);
  view = sanitizeView(m.settings);
  persist();
  const { viewMs, drawMs } = render();
  lastRender = performance.now();
  announceRendered(m.seq, () => m.view.held, t0, { transferMs, applyMs: 0, viewMs, drawMs });
}

/**
 * The frame after the one that drew it, the data is on screen: mark the body (what the e2e tests
 * wait for) and tell the host, which measures time to first paint from its post.
 */
function announceRendered(seq: number, records: () => number, t0: number, phases: NonNullable<RenderedMessage['phases']>): void {
  requestAnimationFrame(() =>
    setTimeout(() => {
      document.body.dataset.rendered = String(seq);
      vscode.postMessage({ type: 'rendered', seq, records: records(), webviewMs: performance.now() - t0, phases });
    }, 0),
  );
}

function onSnapshot(m: SnapshotMessage): void {
  remote = undefined;
  const t0 = performance.now();
  const transferMs = Date.now() - m.sentAt;
  source = m.source;
  byId('source').textContent = `${m.source.mode === 'replay' ? 'Replay of' : m.source.mode === 'fleet' ? 'Fleet store' : 'Log'} ${m.source.displayName}`;
  replay.show(m.source.mode === 'replay');
  if (m.view) view = sanitizeView(m.view);
  model = new DashboardModel({ clock: m.clock, bySource: m.source.mode === 'fleet' });
  model.setView(view);
  // A new log: its head comes in the next 'head' message.
  head = undefined;
  heads = undefined;
  model.apply(m.batch, m.details);
  const applyMs = performance.now() - t0;
  persist();
  const { viewMs, drawMs } = render();
  lastRender = performance.now();
  announceRendered(m.seq, () => model?.size ?? 0, t0, { transferMs, applyMs, viewMs, drawMs });
}

window.addEventListener('message', (e: MessageEvent) => {
  const m = e.data as HostMessage;
  switch (m?.type) {
    case 'snapshot':
      return onSnapshot(m);
    case 'view':
      return onView(m);
    case 'delta':
      if (!model) return;
      model.apply(m.batch, m.details);
      return scheduleRender();
    case 'replayStatus':
      return replay.update(m.status);
    case 'notice':
      return status(m.text, m.level === 'error');
    case 'head':
      head = m.head ?? undefined;
      heads = m.heads;
      model?.setHead(head, heads);
      return scheduleRender();
    case 'monitored':
      if (source?.mode === 'live') source = { ...source, monitored: m.monitored };
      return scheduleRender();
  }
});

vscode.postMessage({ type: 'ready' });
