// The extension host's side of the log worker: starts one worker thread per log, asks it to read
// the log, and relays its progress and totals. The host itself never parses the whole log.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { MissedBlock } from '../../core/model';
import type { FromWorker, Totals, ToWorker, WindowEntry } from './protocol';

export type Loaded = Extract<FromWorker, { type: 'loaded' }>;

export interface LoaderEvents {
  onProgress?(done: number, total: number, records: number): void;
  onTotals(t: Totals): void;
  /** The newest records, a part at a time, before load() resolves. */
  onWindow?(entries: WindowEntry[]): void;
  onError(message: string): void;
}

/**
 * The worker's script: dist/logWorker.js beside the extension's bundle; from the sources (tests
 * under tsx, whose loader the worker inherits) logWorker.ts.
 */
export function defaultWorkerScript(): string {
  const bundled = path.join(__dirname, 'logWorker.js');
  if (existsSync(bundled)) return bundled;
  const here = path.basename(__dirname) === 'worker' ? __dirname : path.join(__dirname, 'worker');
  return path.join(here, 'logWorker.ts');
}

/**
 * The worker's heap: a small young generation makes it collect the parse garbage of a big log
 * early instead of growing the process (the extension host's RSS) by hundreds of MB.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 512 };

export class LogLoader {
  private readonly worker: Worker;
  private pending: MissedBlock[] = [];
  private flushing = false;
  private done = false;
  /** 'window' parts gathered for load()'s result when no onWindow takes them. */
  private window: WindowEntry[] = [];

  constructor(
    private readonly ev: LoaderEvents,
    script = defaultWorkerScript(),
  ) {
    // From the sources (tests, benchmarks): the worker registers tsx's loader itself first.
    this.worker = script.endsWith('.ts')
      ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(script)});`, { eval: true })
      : new Worker(script, { resourceLimits: WORKER_LIMITS });
    // A worker must never keep the extension host (or a test) alive on its own.
    this.worker.unref();
  }

  /** Read the whole log in the worker; resolves with its totals and newest `window` records. */
  load(file: string, window: number): Promise<Loaded> {
    return new Promise<Loaded>((resolve, reject) => {
      const onMessage = (m: FromWorker) => {
        if (m.type === 'progress') this.ev.onProgress?.(m.done, m.total, m.records);
        else if (m.type === 'totals') this.ev.onTotals(m.totals);
        else if (m.type === 'window') {
          if (this.ev.onWindow) this.ev.onWindow(m.entries);
          else this.window.push(...m.entries);
        }
        else if (m.type === 'error') {
          if (this.done) this.ev.onError(m.message);
          else reject(new Error(m.message));
        } else if (m.type === 'loaded') {
          this.done = true;
          resolve(this.window.length ? { ...m, window: this.window } : m);
          this.window = [];
        }
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', (e) => (this.done ? this.ev.onError(e.message) : reject(e)));
      this.worker.once('exit', (code) => {
        if (!this.done) reject(new Error(`the log worker exited (${code}) before the log was read`));
      });
      this.post({ type: 'load', file, window });
    });
  }

  /** Records the host tailed after the load: the worker counts them and sends new totals. */
  append(r: MissedBlock): void {
    this.pending.push(r);
    if (this.flushing) return;
    this.flushing = true;
    queueMicrotask(() => {
      this.flushing = false;
      const records = this.pending;
      this.pending = [];
      if (records.length) this.post({ type: 'append', records });
    });
  }

  reset(): void {
    this.pending = [];
    this.post({ type: 'reset' });
  }

  async dispose(): Promise<void> {
    await this.worker.terminate();
  }

  private post(m: ToWorker): void {
    this.worker.postMessage(m);
  }
}
