// What the tree, the status bar and the notifications show, computed once per change: the logs
// the watcher follows, each with its summary, and the live run's state for the log it writes.
// Records arrive only through the watcher; the controller adds connection/head/missed %.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as vscode from 'vscode';
import { loggedHead } from '../node/checkpoint';
import { displayName, readSettings, resolveLogPath } from './config';
import { Disposable } from './disposable';
import { LogWatcher, type LogChange } from './logWatcher';
import type { LogView } from './model/live';
import type { ExtensionSettings } from './model/settings';
import { summarize } from './model/summary';
import type { LogInput } from './model/treeModel';
import type { MonitorController } from './monitorController';
import type { LogLoader } from './worker/logLoader';
import type { Totals } from './worker/protocol';
import { probeTimed } from './hostProbe';
import { vscodeDiscovery } from './vscodeDiscovery';

export class ViewState extends Disposable {
  private watcher: LogWatcher | undefined;
  private cache: LogInput[] | undefined;
  private settingsCache: ExtensionSettings;
  private readonly changed = this.register(new vscode.EventEmitter<LogChange | undefined>());
  /** The views must refresh; a LogChange when records arrived, undefined for live state or settings. */
  readonly onDidChange = this.changed.event;
  private started: Promise<void> | undefined;
  /** Per log, the head its checkpoint recorded: judges "current streak" when no run here follows the chain. */
  private readonly heads = new Map<string, number | undefined>();
  private readingHeads = false;
  private readAgain = false;

  constructor(
    private readonly controller: MonitorController,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.settingsCache = readSettings(log);
    this.register(controller.onDidChange(() => this.invalidate(undefined)));
    this.register(controller.onDidStart((file) => void this.watcher?.follow(file, true)));
    this.register({ dispose: () => void this.watcher?.dispose() });
  }

  get settings(): ExtensionSettings {
    return this.settingsCache;
  }

  /** Start finding and following logs; idempotent. Not awaited by activate(): the scan runs in the background. */
  ensureStarted(): Promise<void> {
    this.started ??= this.startWatcher();
    return this.started;
  }

  settingsChanged(): void {
    const before = this.settingsCache;
    this.settingsCache = readSettings(this.log);
    if (before.watch.usePolling !== this.settingsCache.watch.usePolling && this.watcher) {
      // The watcher's mode is fixed at creation: start over.
      const old = this.watcher;
      this.watcher = undefined;
      this.started = undefined;
      void old.dispose().then(() => this.ensureStarted());
    }
    const own = resolveLogPath(this.settingsCache);
    // missedBlocks.logFile may now name a log that exists but does not match the search patterns.
    if (own && own !== resolveLogPath(before)) void this.followIfExists(own);
    this.invalidate(undefined);
  }

  private async followIfExists(file: string): Promise<void> {
    if (await stat(file).then(() => true, () => false)) await this.watcher?.follow(file, true);
  }

  /** Recompute (time-dependent parts such as a Critical record's hold). */
  refresh(): void {
    this.invalidate(undefined);
  }

  /** The log worker that read `file` (the dashboard aggregates a big log there), with its latest totals. */
  logWorker(file: string): { loader: LogLoader; totals(): Totals | undefined } | undefined {
    const w = this.watcher;
    const loader = w?.workerFor(file);
    return w && loader ? { loader, totals: () => w.book.totals(path.resolve(file)) } : undefined;
  }

  /** Every followed log with its summary; this window's own log first. */
  logs(): LogInput[] {
    if (this.cache) return this.cache;
    const w = this.watcher;
    if (!w) return [];
    return (this.cache = probeTimed('summaries', () => this.summaries(w)));
  }

  private summaries(w: LogWatcher): LogInput[] {
    const live = this.controller.live;
    const own = resolveLogPath(this.settingsCache);
    const files = w.files().sort((a, b) => rank(a) - rank(b) || displayName(a).localeCompare(displayName(b)));
    function rank(f: string): number {
      return f === live?.logFile ? 0 : f === own ? 1 : 2;
    }
    const threshold = this.settingsCache.monitoring.alertThreshold;
    const logs = files.map((file) => {
      const entries = w.book.entries(file);
      const fileLive = live && path.resolve(live.logFile) === file ? live : undefined;
      const stop = this.controller.lastStop;
      const stoppedAt = !fileLive && stop && path.resolve(stop.logFile) === file ? stop.at : undefined;
      const view: LogView = { file, displayName: displayName(file), badLines: w.book.badLines(file), live: fileLive, ...(stoppedAt !== undefined ? { stoppedAt } : {}) };
      const totals = w.book.totals(file);
      const window = w.book.window(file);
      const whole = totals && window ? { totals, window } : undefined;
      const summary = summarize(entries, { headBlock: fileLive?.head ?? this.heads.get(file), alertThreshold: threshold, whole });
      const loading = w.book.loading(file);
      return { view, entries, summary: loading ? { ...summary, loading } : summary };
    });
    void this.readHeads(files);
    return logs;
  }

  /** The log the status bar describes: the one monitored here, else the one written to last. */
  primary(): LogInput | undefined {
    const logs = this.logs();
    const live = logs.find((l) => l.view.live);
    if (live) return live;
    let best: LogInput | undefined;
    for (const l of logs) if (l.entries.length && (!best || (l.summary.latest?.seq ?? 0) > (best.summary.latest?.seq ?? 0))) best = l;
    return best;
  }

  /** Re-read the logs' checkpoints; recompute when a head moved (the same rule as `mbm report`). */
  private async readHeads(files: readonly string[]): Promise<void> {
    if (this.readingHeads) {
      this.readAgain = true;
      return;
    }
    this.readingHeads = true;
    let moved = false;
    try {
      do {
        this.readAgain = false;
        for (const f of files) {
          const h = await loggedHead([f]);
          if (this.heads.get(f) !== h) moved = true;
          this.heads.set(f, h);
        }
      } while (this.readAgain);
    } finally {
      this.readingHeads = false;
    }
    if (moved) this.invalidate(undefined);
  }

  private invalidate(change: LogChange | undefined): void {
    this.cache = undefined;
    this.changed.fire(change);
  }

  private async startWatcher(): Promise<void> {
    const roots = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const w = new LogWatcher({
      roots,
      usePolling: this.settingsCache.watch.usePolling,
      // Polling asked for (a filesystem without change events): chokidar's polling search.
      ...(this.settingsCache.watch.usePolling ? {} : { discover: vscodeDiscovery }),
      onChange: (c) => this.invalidate(c),
      onWarning: (m) => this.log.warn(m),
    });
    this.watcher = w;
    const t0 = performance.now();
    // Our own log is followed even when its name does not match the search patterns.
    const own = resolveLogPath(this.settingsCache);
    if (own) void this.followIfExists(own);
    const live = this.controller.live;
    if (live) void w.follow(live.logFile, true);
    await w.start();
    this.log.info(`found ${w.files().length} log(s) in ${Math.round(performance.now() - t0)} ms`);
  }
}
