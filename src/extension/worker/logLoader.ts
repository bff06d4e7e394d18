// The extension host's side of the log worker: starts one child process per log (as the language
// server is one), asks it to read the log, and relays its progress and totals. The host itself
// never parses the whole log, and the memory that reading and counting a big log takes is the
// child's, not the extension host's (a worker thread's heap would be part of the host process).
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
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
 * early instead of growing by hundreds of MB.
 */
const WORKER_FLAGS = ['--max-semi-space-size=8', '--max-old-space-size=1024'];

export class LogLoader {
  private readonly worker: ChildProcess;
  private exited = false;
  private pending: MissedBlock[] = [];
  private flushing = false;
  private done = false;
  /** 'window' parts gathered for load()'s result when no onWindow takes them. */
  private window: WindowEntry[] = [];

  constructor(
    private readonly ev: LoaderEvents,
    script = defaultWorkerScript(),
  ) {
    // From the sources (tests, benchmarks) under tsx's loader. ELECTRON_RUN_AS_NODE: in desktop
    // VS Code process.execPath is Electron, which must run the script as plain Node.
    this.worker = fork(script, [], {
      execArgv: script.endsWith('.ts') ? ['--import', 'tsx'] : WORKER_FLAGS,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.worker.once('exit', () => (this.exited = true));
    // A worker must never keep the extension host (or a test) alive on its own; while a load is
    // pending its channel holds the loop (load() refs it).
    this.worker.unref();
    this.idle();
  }

  private idle(): void {
    (this.worker.channel as { unref?(): void } | undefined)?.unref?.();
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
          this.idle();
          resolve(this.window.length ? { ...m, window: this.window } : m);
          this.window = [];
        }
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', (e) => (this.done ? this.ev.onError(e.message) : reject(e)));
      this.worker.once('exit', (code) => {
        if (!this.done) reject(new Error(`the log worker exited (${code}) before the log was read`));
      });
      (this.worker.channel as { ref?(): void } | undefined)?.ref?.();
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
    if (this.exited) return;
    const gone = new Promise((done) => this.worker.once('exit', done));
    // Held until it is gone: whoever awaits this must not see the loop end first.
    this.worker.ref();
    this.worker.kill();
    await gone;
  }

  private post(m: ToWorker): void {
    if (this.exited || !this.worker.connected) return;
    this.worker.send(m);
  }
}
