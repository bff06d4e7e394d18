// Base for everything that owns things to undo. register() disposes at once when the owner is
// already disposed, so a fast stop/start can never leak a listener registered a moment too late.
import type * as vscode from 'vscode';

export function disposeAll(items: vscode.Disposable[]): void {
  for (const d of items.splice(0).reverse()) {
    try {
      d.dispose();
    } catch {
      // One failing dispose must not keep the rest alive.
    }
  }
}

export abstract class Disposable implements vscode.Disposable {
  private disposed = false;
  private readonly disposables: vscode.Disposable[] = [];

  protected get isDisposed(): boolean {
    return this.disposed;
  }

  protected register<T extends vscode.Disposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.disposables.push(d);
    return d;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeAll(this.disposables);
  }
}
