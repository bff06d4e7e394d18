// For the editor benchmark only (bench/editor-cs.ts): with MBM_HOST_PROBE=1 in the extension host's
// environment, a 10 ms interval timer measures how late it fires — how long the extension host's
// event loop was blocked — and the output channel gets the worst gap and the host's RSS every
// 2 s. Off otherwise: nothing runs.
import type * as vscode from 'vscode';

export function startHostProbe(log: vscode.LogOutputChannel): vscode.Disposable | undefined {
  if (process.env.MBM_HOST_PROBE !== '1') return undefined;
  let last = performance.now();
  let worst = 0;
  let since = last;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
    if (now - since >= 2000) {
      log.info(`host probe: worst gap ${worst.toFixed(1)} ms, rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} MB, pid ${process.pid}`);
      worst = 0;
      since = now;
    }
  }, 10);
  return { dispose: () => clearInterval(timer) };
}
