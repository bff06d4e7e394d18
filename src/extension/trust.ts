// Workspace trust. In Restricted Mode the views still show the logs that are there (reading a file
// is harmless), but nothing connects to a node or sends an alert: a workspace's settings could
// otherwise point the monitor at any host. Work that waits for trust runs when it is granted.
import * as vscode from 'vscode';
import { Disposable } from './disposable';

const SETTLE_MS = 3000;

function settingsApplied(timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const sub = vscode.workspace.onDidChangeConfiguration(() => done());
    const timer = setTimeout(() => done(), timeoutMs);
    function done() {
      clearTimeout(timer);
      sub.dispose();
      resolve();
    }
  });
}

export class Trust extends Disposable {
  private waiting = new Map<string, () => void>();
  private readonly changed = this.register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

  constructor() {
    super();
    this.register(
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        const w = [...this.waiting.values()];
        this.waiting.clear();
        this.changed.fire();
        // The workspace's restricted settings (missedBlocks.rpcUrls…) reach the configuration only
        // with a change event after the grant: run the waiting work once it arrives (bounded).
        void settingsApplied(SETTLE_MS).then(() => {
          for (const f of w) f();
        });
      }),
    );
  }

  get trusted(): boolean {
    return vscode.workspace.isTrusted;
  }

  /** Run `f` now when trusted, else once trust is granted; one waiting task per `key` (the last). */
  whenTrusted(key: string, f: () => void): void {
    if (this.trusted) f();
    else this.waiting.set(key, f);
  }

  /** Tell the user why nothing connects, with the way out. */
  async explain(what: string): Promise<void> {
    const manage = 'Manage Workspace Trust';
    const pick = await vscode.window.showWarningMessage(
      `Restricted Mode: ${what} once you trust this workspace. Existing logs are still shown.`,
      manage,
    );
    if (pick === manage) await vscode.commands.executeCommand('workbench.trust.manage');
  }
}
