// For the editor benchmark only (bench/editor-cs.ts): with MBM_HOST_PROBE=1 in the extension host's
// environment, a 10 ms interval timer measures how late it fires — how long the extension host's
// event loop was blocked — and the output channel gets the worst gap and the host's RSS every
// 2 s, each single gap over 30 ms with its time, and the marks the extension sets around a log's
// load (probeMark), so the benchmark can tell the host's own start-up from the load. With
// MBM_HOST_PROFILE=<file.cpuprofile> as well, the host's CPU profile of the first 22 s after
// activation is written there (which code a gap was); a <file.heapprofile> gets a sampling heap
// profile of the first 24 s (where the host's memory is allocated). Off otherwise: nothing runs.
import type * as vscode from 'vscode';

let mark: ((label: string) => void) | undefined;

/** Runs f; with the probe on, a run over 5 ms is logged as "host probe: mark <label>-took-<ms>ms at +<t> ms". */
export function probeTimed<T>(label: string, f: () => T): T {
  if (!mark) return f();
  const t = performance.now();
  try {
    return f();
  } finally {
    const ms = performance.now() - t;
    if (ms > 5) mark(`${label}-took-${ms.toFixed(1)}ms`);
  }
}

/** A named moment in the probe's output ("host probe: mark <label> at +<ms> ms"); nothing when the probe is off. */
export function probeMark(label: string): void {
  mark?.(label);
}

export function startHostProbe(log: vscode.LogOutputChannel): vscode.Disposable | undefined {
  if (process.env.MBM_HOST_PROBE !== '1') return undefined;
  const t0 = performance.now();
  let last = t0;
  let worst = 0;
  let since = last;
  // The probe's +0 on the monotonic clock a V8 CPU profile's timestamps use (µs), to align the two.
  log.info(`host probe: start at hrtime ${(process.hrtime.bigint() / 1000n).toString()} us`);
  mark = (label) => log.info(`host probe: mark ${label} at +${(performance.now() - t0).toFixed(0)} ms`);
  const timer = setInterval(() => {
    const now = performance.now();
    const gap = now - last - 10;
    worst = Math.max(worst, gap);
    if (gap > 30) log.info(`host probe: gap ${gap.toFixed(1)} ms ending at +${(now - t0).toFixed(0)} ms`);
    last = now;
    if (now - since >= 2000) {
      const m = process.memoryUsage();
      const mb = (x: number) => (x / 1048576).toFixed(0);
      log.info(`host probe: worst gap ${worst.toFixed(1)} ms, rss ${mb(m.rss)} MB, pid ${process.pid}, heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} MB, external ${mb(m.external)} MB, array buffers ${mb(m.arrayBuffers)} MB`);
      worst = 0;
      since = now;
    }
  }, 10);
  const stopProfile = profile(log);
  return {
    dispose: () => {
      clearInterval(timer);
      mark = undefined;
      stopProfile?.();
    },
  };
}

function profile(log: vscode.LogOutputChannel): (() => void) | undefined {
  const file = process.env.MBM_HOST_PROFILE;
  if (!file) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const inspector = require('node:inspector') as typeof import('node:inspector');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const fs = require('node:fs') as typeof import('node:fs');
  const session = new inspector.Session();
  session.connect();
  // A .heapprofile name: where the host's memory is allocated (sampling heap profiler) over 30 s.
  const heap = file.endsWith('.heapprofile');
  if (heap) session.post('HeapProfiler.startSampling', { samplingInterval: 32768, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as object);
  else session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 1000 }, () => session.post('Profiler.start')));
  const stop = () =>
    session.post(heap ? 'HeapProfiler.stopSampling' : 'Profiler.stop', (err: Error | null, res?: { profile?: unknown }) => {
      if (!err) fs.writeFileSync(file, JSON.stringify(res?.profile));
      log.info(`host probe: profile ${err ? `failed: ${err.message}` : `written to ${file}`}`);
      session.disconnect();
    });
  const t = setTimeout(stop, heap ? 24_000 : 22_000);
  return () => clearTimeout(t);
}
