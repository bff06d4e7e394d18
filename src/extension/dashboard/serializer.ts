// Brings the dashboard back after a window reload: VS Code keeps the webview's setState() value
// and hands it here with a fresh panel.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { sanitizeView } from '../../common/dashboard/viewFilter';
import { DASHBOARD_VIEW_TYPE, type PersistedState } from '../../common/protocol';
import { DashboardPanel, type DashboardDeps } from './panel';

/** The saved state is whatever the webview stored: check every field before use. */
export function sanitizeState(raw: unknown): PersistedState {
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  return {
    ...(typeof o.file === 'string' && existsSync(o.file) ? { file: o.file } : {}),
    ...(o.view ? { view: sanitizeView(o.view) } : {}),
    ...(o.fleet === true ? { fleet: true } : {}),
  };
}

export function registerSerializer(context: vscode.ExtensionContext, deps: DashboardDeps): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
      DashboardPanel.revive(context, deps, panel, sanitizeState(state));
    },
  });
}
