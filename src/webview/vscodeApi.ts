// The one handle the webview has on its host. acquireVsCodeApi may be called only once per load.
import type { PersistedState, WebviewMessage } from '../common/protocol';

interface VsCodeApi {
  postMessage(message: WebviewMessage): void;
  getState(): PersistedState | undefined;
  setState(state: PersistedState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export const vscode = acquireVsCodeApi();
