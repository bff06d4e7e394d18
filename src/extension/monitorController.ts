// The monitoring run's lifetime: at most one run per window, started and stopped by commands,
// restarted when settings change. Everything of one run is disposed with it; the extension's own
// things (views, watcher) live on. The run itself is loaded with import() on first use.
import * as vscode from 'vscode';
import { endpointLabel } from '../node/endpoints';
import type { MissedBlock } from '../core/model';
import { readSettings, resolveLogPath } from './config';
import { Disposable } from './disposable';
import { LOCAL_RPC, resolveEndpoints, type ResolvedEndpoints } from './model/endpointChoice';
import type { LiveInfo } from './model/live';
import { monitorConfigFrom } from './model/settings';
import type { MonitorRun } from './monitorRun';
import { describe } from './output';
import type { Secrets } from './secrets';
import type { Trust } from './trust';

export const DEFAULT_RPC = LOCAL_RPC;

export class MonitorController extends Disposable {
  private run: MonitorRun | undefined;
  private stopped: { logFile: string; at: number } | undefined;
  /** "Start a local anvil": the node this window started, stopped with Stop Monitoring. */
  private anvil: { wsUrl: string; stop(): Promise<void> } | undefined;
  /** Serialises start/stop so a double click cannot start two runs. */
  private busy: Promise<unknown> = Promise.resolve();
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  /** Connection, head or missed % changed, or a run started/stopped. */
  readonly onDidChange = this.changed.event;
  private readonly started = this.register(new vscode.EventEmitter<string>());
  /** A run started writing this log (the watcher pins it). */
  readonly onDidStart = this.started.event;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly secrets: Secrets,
    private readonly trust: Trust,
  ) {
    super();
    // Expected transactions saved in the workspace are judged while a run monitors the node.
    const expectFiles = this.register(vscode.workspace.createFileSystemWatcher('**/*.expect.jsonl'));
    const judge = (uri: vscode.Uri) => void this.expectFile(uri.fsPath);
    this.register(expectFiles.onDidCreate(judge));
    this.register(expectFiles.onDidChange(judge));
  }

  /** Judge an expectation file's new lines with the running monitor's node (nothing when not monitoring). */
  async expectFile(file: string): Promise<void> {
    const run = this.run;
    if (!run) return;
    const name = vscode.workspace.asRelativePath(file);
    try {
      const v = await run.expectFile(file);
      for (const e of v.errors) this.log.warn(`${name}:${e.line}: ${e.message}`);
      for (const f of v.failures) this.log.warn(`${name}: block ${f.block} not judged (lines ${f.lines.join(', ')}): ${f.message}`);
      if (v.judged > 0) this.log.info(`${name}: ${v.judged} expected transactions judged, ${v.included} included, ${v.missed} missed`);
    } catch (err) {
      this.log.error(`${name}: ${describe(err)}`);
    }
  }

  get live(): LiveInfo | undefined {
    return this.run?.live;
  }

  get running(): boolean {
    return this.run !== undefined;
  }

  /** The log of the last run stopped in this window and when (unix ms); cleared by the next start. */
  get lastStop(): { logFile: string; at: number } | undefined {
    return this.stopped;
  }

  /**
   * Mute the run's alert channels (console, webhook, Slack…; the local alert file keeps its audit
   * trail) until `untilMs`, as `[alerts] mute_until` does. False when no run sends alerts.
   */
  /** Whether a run is sending alerts (its channels can be muted). */
  get alertsRunning(): boolean {
    return this.run?.alertsOn ?? false;
  }

  muteAlerts(untilMs: number): boolean {
    return this.run?.muteAlerts(untilMs) ?? false;
  }

  /** Start with the current settings. `urls` overrides missedBlocks.rpcUrls (a prompt's answer). */
  start(urls?: readonly string[]): Promise<boolean> {
    return this.serial(() => this.doStart(urls));
  }

  /** Stop the run (and the local anvil this window started). */
  stop(): Promise<void> {
    return this.serial(async () => {
      await this.doStop();
      const a = this.anvil;
      this.anvil = undefined;
      if (a) {
        await a.stop();
        this.log.info('stopped the local anvil');
      }
    });
  }

  async restart(): Promise<boolean> {
    await this.serial(() => this.doStop());
    return this.start(this.anvil ? [this.anvil.wsUrl] : undefined);
  }

  /** The endpoints to monitor: SecretStorage's, then missedBlocks.rpcUrls with `${env:NAME}` resolved. */
  async endpoints(): Promise<ResolvedEndpoints> {
    const res = resolveEndpoints({ secretUrl: await this.secrets.rpcUrl(), settingsUrls: readSettings(this.log).rpcUrls, env: process.env });
    for (const p of res.problems) this.log.warn(p);
    return res;
  }

  /** Start anvil (node_modules or PATH) on a free loopback port, 1 s blocks; returns its ws:// URL. */
  async startLocalAnvil(): Promise<string> {
    if (this.anvil) return this.anvil.wsUrl;
    const { startAnvil } = await import('../node/chain/anvil.ts');
    const node = await startAnvil({ blockTime: 1 });
    this.anvil = node;
    this.log.info(`started a local anvil on ${endpointLabel(node.wsUrl)} (1 s blocks); Stop Monitoring stops it`);
    return node.wsUrl;
  }

  flush(): Promise<void> {
    return this.run?.flush() ?? Promise.resolve();
  }

  recoverNow(candidates: readonly MissedBlock[]): Promise<{ tried: number; recovered: number } | undefined> {
    return this.run ? this.run.recoverNow(candidates) : Promise.resolve(undefined);
  }

  override dispose(): void {
    void this.stop();
    super.dispose();
  }

  /** For deactivate(): resolves when the log and checkpoint are flushed. */
  async shutdown(): Promise<void> {
    await this.stop();
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.busy.then(f, f);
    this.busy = next.catch(() => undefined);
    return next;
  }

  private async doStart(urlsOverride?: readonly string[]): Promise<boolean> {
    if (this.run) return true;
    // Checked here too, not only by the command: nothing connects from an untrusted workspace.
    if (!this.trust.trusted) throw new Error('Restricted Mode: monitoring starts once the workspace is trusted');
    const settings = readSettings(this.log);
    const logPath = resolveLogPath(settings);
    if (!logPath) throw new Error(`open a folder first: the log path "${settings.logFile}" is relative to the workspace`);
    const urls = urlsOverride ?? (await this.endpoints()).urls;
    if (urls.length === 0) throw new Error('no RPC endpoint: run "Set RPC Endpoint…" or set missedBlocks.rpcUrls');
    const secrets = await this.secrets.all();
    const config = monitorConfigFrom(settings, logPath, secrets);
    const t0 = performance.now();
    // Loaded on the first Start: the chain and alert libraries would add ~250 ms to activation.
    // The import names the .ts file because NodeNext resolution requires an extension in import().
    const { MonitorRun } = await import('./monitorRun.ts');
    this.log.info(`starting: ${urls.map((u) => endpointLabel(u)).join(', ')} → ${logPath}`);
    const run = await MonitorRun.start({
      config,
      urls,
      logPath,
      alerts: this.trust.trusted && settings.alertChannels.length > 0,
      log: {
        info: (m) => this.log.info(m),
        warn: (m) => this.log.warn(m),
        error: (m) => this.log.error(m),
      },
      onLive: () => this.changed.fire(),
    });
    this.run = run;
    this.stopped = undefined;
    this.log.info(`monitoring ${run.source} (started in ${Math.round(performance.now() - t0)} ms)`);
    await setContext('missedBlocks.monitoring', true);
    this.started.fire(logPath);
    this.changed.fire();
    return true;
  }

  private async doStop(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    this.stopped = { logFile: run.live.logFile, at: Date.now() };
    try {
      await run.stop();
      this.log.info(`stopped monitoring ${run.source}; log and checkpoint flushed`);
    } catch (err) {
      this.log.error(`stopping: ${describe(err)}`);
    }
    await setContext('missedBlocks.monitoring', false);
    this.changed.fire();
  }
}

/** A context key for `when` clauses; failing (window closing) must not fail a stop. */
export async function setContext(key: string, value: unknown): Promise<void> {
  try {
    await vscode.commands.executeCommand('setContext', key, value);
  } catch {
    // The window is going away; nothing reads the key any more.
  }
}
