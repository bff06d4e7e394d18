// The status bar item: head block, current streak, missed % of the monitored log (or of the log
// written to last). Warning background once a streak reaches alert_threshold, error background
// for a Critical record. A click opens the Missed Blocks view (the dashboard, once it exists).
import * as vscode from 'vscode';
import { Disposable } from './disposable';
import { statusBarView } from './model/statusText';
import type { Trust } from './trust';
import type { ViewState } from './viewState';

export const STATUS_BAR_ID = 'missedBlocks.status';

export class StatusBar extends Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(
    private readonly state: ViewState,
    private readonly trust: Trust,
  ) {
    super();
    this.item = this.register(vscode.window.createStatusBarItem(STATUS_BAR_ID, vscode.StatusBarAlignment.Left, 10));
    this.item.name = 'Missed Blocks';
    this.item.command = 'missedBlocks.tree.focus';
    this.register(state.onDidChange(() => this.update()));
    this.register(trust.onDidChange(() => this.update()));
    // A Critical record stops counting as recent after a while: re-evaluate now and then.
    const timer = setInterval(() => {
      if (this.state.primary()?.summary.level === 'error') this.state.refresh();
    }, 30_000);
    this.register({ dispose: () => clearInterval(timer) });
    this.update();
    this.item.show();
  }

  private update(): void {
    const log = this.state.primary();
    const v = statusBarView({
      log: log && { view: log.view, summary: log.summary },
      restricted: !this.trust.trusted,
      alertThreshold: this.state.settings.monitoring.alertThreshold,
    });
    this.item.text = v.text;
    this.item.tooltip = v.tooltip;
    this.item.accessibilityInformation = { label: v.ariaLabel, role: 'button' };
    this.item.backgroundColor =
      v.level === 'error'
        ? new vscode.ThemeColor('statusBarItem.errorBackground')
        : v.level === 'warning'
          ? new vscode.ThemeColor('statusBarItem.warningBackground')
          : undefined;
  }
}
