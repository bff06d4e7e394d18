// Editor notifications when a streak reaches alert_threshold and for new records at or above
// notifications.minSeverity, throttled and mutable (model/notifyPolicy.ts decides). They come from
// the watcher like the views, so a log another process writes notifies the same way. What a log
// held before the window saw it never notifies.
import * as vscode from 'vscode';
import { Disposable } from './disposable';
import type { LogChange } from './logWatcher';
import { applyMute, muteActions, NotificationPolicy, recordEvents, thresholdEvent, type AlertMuter, type Notice, type NoticeEvent } from './model/notifyPolicy';
import type { ViewState } from './viewState';

export const ACTION_DASHBOARD = 'Open Dashboard';
export const ACTION_LOG = 'Open Log';

export class Notifications extends Disposable {
  private readonly policy: NotificationPolicy;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly state: ViewState,
    private readonly log: vscode.LogOutputChannel,
    /** The running monitor's alerts, for "Mute alerts for 1 hour"; running() says whether to offer it. */
    private readonly alerts?: AlertMuter & { readonly alertsRunning: boolean },
  ) {
    super();
    this.policy = new NotificationPolicy({ minIntervalMs: state.settings.notifications.throttleSeconds * 1000 });
    this.register(state.onDidChange((c) => c && this.onChange(c)));
    this.register({ dispose: () => clearTimeout(this.timer) });
  }

  settingsChanged(): void {
    this.policy.setMinInterval(this.state.settings.notifications.throttleSeconds * 1000);
  }

  private onChange(change: LogChange): void {
    const { notifications: n, monitoring } = this.state.settings;
    const fresh: NoticeEvent[] = [];
    const known: NoticeEvent[] = [];
    for (const l of this.state.logs()) {
      const file = l.view.file;
      const appended = change.appended.filter((e) => e.file === file);
      const initial = change.initial.filter((e) => e.file === file);
      known.push(...recordEvents(file, l.view.displayName, initial, n.minSeverity));
      fresh.push(...recordEvents(file, l.view.displayName, appended, n.minSeverity));
      // A streak only grows by appended records: without any, what it shows was already there.
      const t = thresholdEvent(file, l.view.displayName, l.summary, monitoring.alertThreshold);
      if (t) (appended.length ? fresh : known).push(t);
    }
    this.policy.prime(known);
    if (!n.enabled) {
      this.policy.prime(fresh);
      return;
    }
    this.show(this.policy.offer(fresh));
  }

  private show(notice: Notice | undefined): void {
    clearTimeout(this.timer);
    const due = this.policy.dueIn();
    if (due !== undefined) this.timer = setTimeout(() => this.show(this.policy.flush()), due + 10);
    if (!notice) return;
    this.log.info(`notification: ${notice.message}`);
    const actions = [ACTION_DASHBOARD, ACTION_LOG, ...muteActions(this.alerts?.alertsRunning ?? false)];
    const shown =
      notice.level === 'error'
        ? vscode.window.showErrorMessage(notice.message, ...actions)
        : vscode.window.showWarningMessage(notice.message, ...actions);
    void Promise.resolve(shown).then((pick) => this.act(pick, notice)).catch((e: Error) => this.log.error(`notification action: ${e.message}`));
  }

  private async act(pick: string | undefined, notice: Notice): Promise<void> {
    switch (pick) {
      case ACTION_DASHBOARD:
        await vscode.commands.executeCommand('missedBlocks.openDashboard');
        break;
      case ACTION_LOG:
        await vscode.commands.executeCommand('missedBlocks.openLog', vscode.Uri.file(notice.file));
        break;
      default: {
        const muted = applyMute(pick, this.policy, this.alerts, Date.now());
        if (muted) this.log.info(muted);
      }
    }
  }
}
