// What every command handler gets: the extension's long-lived parts.
import type * as vscode from 'vscode';
import type { MonitorController } from '../monitorController';
import type { Secrets } from '../secrets';
import type { Trust } from '../trust';
import type { ViewState } from '../viewState';

export interface CommandContext {
  readonly log: vscode.LogOutputChannel;
  readonly controller: MonitorController;
  readonly state: ViewState;
  readonly trust: Trust;
  readonly secrets: Secrets;
}
