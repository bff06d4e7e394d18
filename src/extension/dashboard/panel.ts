// The dashboard's WebviewPanel: one at a time (opening it again reveals it and switches what it
// shows), restored after a reload by the serializer. The host only reads logs and forwards
// records; all shaping happens in the webview (src/common/dashboard), which never reads files.
import path from 'node:path';
import * as vscode from 'vscode';
import { sanitizeView } from '../../common/dashboard/viewFilter';
import { logFilesFor } from '../../node/log/files';
import { loggedHead } from '../../node/checkpoint';
import { DASHBOARD_VIEW_TYPE, isWebviewMessage, type HostMessage, type PersistedState, type ReplayAction, type SourceInfo, type WebviewMessage } from '../../common/protocol';
import { displayName } from '../config';
import { Disposable } from '../disposable';
import type { ExtensionSettings } from '../model/settings';
import type { LogLoader } from '../worker/logLoader';
import type { Totals } from '../worker/protocol';
import type { PickRequest } from '../../common/dashboard/model';
import { describe, noLinks } from '../output';
import type { Feed, FeedSink } from './feed';
import { dashboardHtml, makeNonce } from './html';
import { revealLine } from './reveal';

export interface DashboardDeps {
  readonly log: vscode.LogOutputChannel;
  /** The log to show when none is given: the only one, or the user's pick (undefined: cancelled). */
  pickLog(title: string): Promise<string | undefined>;
  settings(): ExtensionSettings;
  /** The shared store's URL (SecretStorage), when one is set and the workspace is trusted. */
  fleetUrl(): Promise<string | undefined>;
  /** The log this window's monitor writes, while it runs; and when that changes. */
  monitoredLog?(): string | undefined;
  onMonitorChange?: vscode.Event<void>;
  /** The tree's log worker for a log it has read, and its latest totals: a big log's view is aggregated there. */
  logWorker?(file: string): { loader: LogLoader; totals(): Totals | undefined } | undefined;
}

export type DashboardSource = { mode: 'live'; file: string } | { mode: 'replay'; file: string; speed: number } | { mode: 'fleet'; where: string };

/** Built webview bundle (main.js, main.css): the only folder the webview may load from. */
const MEDIA = ['dist', 'webview'];

export class DashboardPanel extends Disposable {
  static current: DashboardPanel | undefined;

  private feed: Feed | undefined;
  private source: DashboardSource | undefined;
  /** The live log to return to when a replay stops. */
  private liveFile: string | undefined;
  private ready = false;
  private seq = 0;
  private readonly postedAt = new Map<number, number>();
  private view = sanitizeView(undefined);
  /** Reads the live log's checkpoint (its head) while a live log is shown. */
  private headTimer: NodeJS.Timeout | undefined;
  /** The head last posted (undefined: none since the last snapshot). */
  private postedHead: number | null | undefined;

  /** How often the shown log's checkpoint is read for its head. */
  static headPollMs = 2_000;

  /** Show the dashboard (creating it if needed) with `source`. */
  static show(context: vscode.ExtensionContext, deps: DashboardDeps, source: DashboardSource): DashboardPanel {
    let p = DashboardPanel.current;
    if (p) {
      p.panel.reveal();
      const cur = p.source;
      if (cur?.mode === 'live' && source.mode === 'live' && path.resolve(cur.file) === path.resolve(source.file)) return p;
      if (cur?.mode === 'fleet' && source.mode === 'fleet') return p;
    } else {
      const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Missed Blocks Dashboard', vscode.ViewColumn.Active, DashboardPanel.options(context));
      p = new DashboardPanel(panel, context, deps);
    }
    p.setSource(source);
    return p;
  }

  /** A panel VS Code restored after a reload (serializer.ts). */
  static revive(context: vscode.ExtensionContext, deps: DashboardDeps, panel: vscode.WebviewPanel, state: PersistedState): DashboardPanel {
    DashboardPanel.current?.dispose();
    panel.webview.options = DashboardPanel.options(context);
    const p = new DashboardPanel(panel, context, deps);
    if (state.view) p.view = sanitizeView(state.view);
    if (state.fleet) p.setSource({ mode: 'fleet', where: 'the shared store' });
    else if (state.file) p.setSource({ mode: 'live', file: state.file });
    else p.post({ type: 'notice', level: 'info', text: 'Run "Missed Blocks: Open Dashboard" to choose a log.' });
    return p;
  }

  static options(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, ...MEDIA)],
      // The webview holds the aggregated log (100k records take a second to send again); keeping
      // it while the tab is in the background avoids re-sending on every tab switch. State that
      // must survive a reload goes through setState/the serializer.
      retainContextWhenHidden: true,
    };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly deps: DashboardDeps,
  ) {
    super();
    DashboardPanel.current = this;
    const web = panel.webview;
    const media = vscode.Uri.joinPath(context.extensionUri, ...MEDIA);
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icons', 'missed-blocks.svg');
    web.html = dashboardHtml({
      cspSource: web.cspSource,
      nonce: makeNonce(),
      scriptUri: web.asWebviewUri(vscode.Uri.joinPath(media, 'main.js')).toString(),
      styleUri: web.asWebviewUri(vscode.Uri.joinPath(media, 'main.css')).toString(),
    });
    this.register(web.onDidReceiveMessage((m: unknown) => void this.onMessage(m)));
    if (deps.onMonitorChange) {
      let was: boolean | undefined;
      this.register(
        deps.onMonitorChange(() => {
          const now = this.monitored();
          if (now === was || this.source?.mode !== 'live') return;
          was = now;
          if (this.ready) this.post({ type: 'monitored', monitored: now });
        }),
      );
    }
    this.register(panel.onDidDispose(() => this.dispose()));
  }

  override dispose(): void {
    // Closing the tab fires onDidDispose, which lands here; dispose() from here closes the tab.
    if (this.isDisposed) return;
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    void this.stopFeed();
    super.dispose();
    this.panel.dispose();
  }

  setSource(source: DashboardSource): void {
    this.source = source;
    if (source.mode === 'live') this.liveFile = source.file;
    if (source.mode === 'fleet') {
      this.panel.title = 'Missed Blocks: Fleet';
      this.deps.log.info(`dashboard: showing the fleet store ${source.where}`);
    } else {
      const name = displayName(source.file);
      this.panel.title = source.mode === 'live' ? `Missed Blocks: ${path.basename(source.file)}` : `Replay: ${path.basename(source.file)}`;
      this.deps.log.info(`dashboard: ${source.mode === 'live' ? 'showing' : `replaying at ${source.speed || 'full'}× speed`} ${name}`);
    }
    // Before the webview's script runs, a snapshot would be lost: the feed starts on `ready`.
    if (this.ready) void this.startFeed();
  }

  /** Whether this window's monitor writes the live log shown. */
  private monitored(): boolean {
    const own = this.deps.monitoredLog?.();
    return this.source?.mode === 'live' && own !== undefined && path.resolve(own) === path.resolve(this.source.file);
  }

  private post(m: HostMessage): void {
    void this.panel.webview.postMessage(m);
  }

  /**
   * The shown log's head (its checkpoint, as `mbm report` reads it) to the webview, now and whenever
   * it moves: the chain moving on without new records must still end the current streak there.
   */
  private watchHead(file: string): void {
    clearInterval(this.headTimer);
    let reading = false;
    const read = async () => {
      if (reading) return;
      reading = true;
      try {
        const h = (await loggedHead([file])) ?? null;
        const src = this.source;
        if (h === this.postedHead || src?.mode !== 'live' || src.file !== file || this.isDisposed) return;
        this.postedHead = h;
        this.post({ type: 'head', head: h });
      } finally {
        reading = false;
      }
    };
    this.headTimer = setInterval(() => void read(), DashboardPanel.headPollMs);
    void read();
  }

  private async stopFeed(): Promise<void> {
    clearInterval(this.headTimer);
    this.headTimer = undefined;
    const f = this.feed;
    this.feed = undefined;
    await f?.stop().catch((e) => this.deps.log.warn(`dashboard: stopping: ${describe(e)}`));
  }

  private async startFeed(): Promise<void> {
    await this.stopFeed();
    const source = this.source;
    if (!source || this.isDisposed) return;
    const info: SourceInfo =
      source.mode === 'fleet'
        ? { mode: 'fleet', file: source.where, displayName: source.where }
        : { mode: source.mode, file: source.file, displayName: displayName(source.file), ...(source.mode === 'live' ? { monitored: this.monitored() } : {}) };
    const settings = this.deps.settings();
    let feed: Feed | undefined;
    // Messages from a feed that has since been replaced are dropped.
    const live = () => feed !== undefined && this.feed === feed;
    let started: number | undefined = performance.now();
    const sink: FeedSink = {
      snapshot: (s) => {
        if (!live()) return;
        if (started !== undefined) this.deps.log.info(`dashboard: read ${s.batch.timestamp.length} records of ${info.displayName} in ${Math.round(performance.now() - started)} ms`);
        started = undefined;
        const seq = ++this.seq;
        this.postedAt.set(seq, performance.now());
        this.post({ type: 'snapshot', seq, source: info, clock: s.clock, batch: s.batch, details: s.details, view: this.view, sentAt: Date.now() });
        // A snapshot starts a new model in the webview: it gets the head again.
        this.postedHead = undefined;
        if (source.mode === 'live') this.watchHead(source.file);
      },
      delta: (batch, details) => live() && this.post({ type: 'delta', batch, details }),
      view: (view, clock, update) => {
        if (!live()) return;
        if (!update) {
          if (started !== undefined) this.deps.log.info(`dashboard: read ${view.held} records of ${info.displayName} in ${Math.round(performance.now() - started)} ms (aggregated by the log worker)`);
          started = undefined;
          this.postedAt.set(++this.seq, performance.now());
        }
        this.post({ type: 'view', seq: this.seq, source: info, clock, view, settings: this.view, sentAt: Date.now() });
      },
      replayStatus: (status) => live() && this.post({ type: 'replayStatus', status }),
      heads: (heads) => live() && this.post({ type: 'head', head: null, heads }),
      warn: (m) => this.deps.log.warn(`dashboard: ${m}`),
    };
    let big: Awaited<ReturnType<DashboardPanel['bigLogWorker']>>;
    // Feeds load the reader and schema validator: on first use, not at activation.
    if (source.mode === 'fleet') {
      const url = await this.deps.fleetUrl();
      if (!url) {
        this.post({ type: 'notice', level: 'error', text: 'No fleet database is set (or the workspace is not trusted): run "Missed Blocks: Set Fleet Database URL…".' });
        return;
      }
      const { FleetFeed } = await import('./fleetFeed.ts');
      feed = new FleetFeed({ url, sink, slotSeconds: settings.monitoring.expectedBlockTime });
    } else if (source.mode === 'live' && (big = await this.bigLogWorker(source.file))) {
      const w = big;
      const { WorkerFeed } = await import('./workerFeed.ts');
      // The head is read as for a snapshot; the worker's views judge the current streak by it.
      this.postedHead = undefined;
      this.watchHead(source.file);
      feed = new WorkerFeed({ loader: w.loader, totals: w.totals, head: () => this.postedHead ?? undefined, sink, slotSeconds: settings.monitoring.expectedBlockTime, view: this.view });
    } else if (source.mode === 'live') {
      const { LiveFeed } = await import('./liveFeed.ts');
      feed = new LiveFeed({ file: source.file, sink, slotSeconds: settings.monitoring.expectedBlockTime, usePolling: settings.watch.usePolling });
    } else {
      const { ReplayPlayer } = await import('./replayPlayer.ts');
      feed = new ReplayPlayer({ file: source.file, sink, slotSeconds: settings.monitoring.expectedBlockTime, speed: source.speed });
    }
    if (this.source !== source || this.isDisposed) return;
    this.feed = feed;
    try {
      await feed.start();
    } catch (err) {
      this.deps.log.error(`dashboard: ${describe(err)}`);
      this.post({ type: 'notice', level: 'error', text: describe(err) });
    }
  }

  /** The log worker of a log big enough to be aggregated there (WORKER_VIEW_MIN_RECORDS). */
  private async bigLogWorker(file: string): Promise<{ loader: LogLoader; totals(): Totals | undefined } | undefined> {
    const w = this.deps.logWorker?.(file);
    if (!w) return undefined;
    const { WORKER_VIEW_MIN_RECORDS } = await import('./workerFeed.ts');
    return (w.totals()?.records ?? 0) >= WORKER_VIEW_MIN_RECORDS ? w : undefined;
  }

  /** A click on a worker-aggregated view: the worker names the record's line; open it there. */
  private async pick(p: PickRequest): Promise<void> {
    const src = this.source;
    const feed = this.feed;
    if (src?.mode !== 'live' || !feed?.pick) return;
    let line: number | undefined;
    try {
      line = await feed.pick(p);
    } catch (err) {
      this.deps.log.warn(`dashboard: ${describe(err)}`);
      return;
    }
    if (line === undefined) return;
    if (line === 0) return this.post({ type: 'notice', level: 'info', text: 'That record’s line is not known any more (its file was rotated).' });
    await this.reveal(src.file, line);
  }

  private async onMessage(raw: unknown): Promise<void> {
    if (!isWebviewMessage(raw)) return;
    const m: WebviewMessage = raw;
    switch (m.type) {
      case 'ready':
        // Also after the webview reloaded: it has nothing, so it gets everything again.
        this.ready = true;
        await this.startFeed();
        return;
      case 'rendered': {
        const t0 = this.postedAt.get(m.seq);
        this.postedAt.delete(m.seq);
        if (t0 === undefined) return;
        const p = m.phases;
        const phases = p ? `; transfer ${Math.round(p.transferMs)}, aggregate ${Math.round(p.applyMs)}, view ${Math.round(p.viewMs)}, draw ${Math.round(p.drawMs)} ms` : '';
        this.deps.log.info(`dashboard: first paint of ${m.records} records in ${Math.round(performance.now() - t0)} ms (${Math.round(m.webviewMs)} ms of it in the webview${phases})`);
        return;
      }
      case 'reveal':
        return this.reveal(m.file, m.line);
      case 'viewChanged':
        this.view = sanitizeView(m.view);
        this.feed?.setView?.(this.view);
        return;
      case 'pick':
        return this.pick(m.pick);
      case 'replayControl':
        return this.replayControl(m);
    }
  }

  /** Only files of the log being shown may be opened: the webview is not trusted to name paths. */
  private async reveal(file: string, line: number): Promise<void> {
    const src = this.source;
    // Fleet records come from the database: there is no local file to open.
    if (!src || src.mode === 'fleet') return;
    const allowed = await logFilesFor(src.file);
    if (!allowed.some((f) => path.resolve(f) === path.resolve(file))) {
      this.deps.log.warn(`dashboard: refused to open ${file} (not part of ${src.file})`);
      return;
    }
    try {
      await revealLine(file, line);
    } catch (err) {
      this.deps.log.error(`dashboard: cannot open ${file}:${line}: ${describe(err)}`);
      void vscode.window.showErrorMessage(`Missed Blocks: cannot open ${noLinks(path.basename(file))}: ${describe(err)}`);
    }
  }

  private async replayControl(a: ReplayAction): Promise<void> {
    if (this.source?.mode !== 'replay') return;
    if (a.action !== 'stop') return this.feed?.control?.(a);
    await this.stopFeed();
    if (this.liveFile) this.setSource({ mode: 'live', file: this.liveFile });
    else this.post({ type: 'replayStatus', status: { state: 'done', speed: this.source.speed, played: 0, at: null } });
  }
}
