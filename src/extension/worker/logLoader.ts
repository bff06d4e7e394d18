// The extension host's side of the log worker: starts one child process per log (as the language
// server is one), asks it to read the log, and relays its progress and totals. The host itself
// never parses the whole log, and the memory that reading and counting a big log takes is the
// child's, not the extension host's (a worker thread's heap would be part of the host process).
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SlotClock } from '../../common/dashboard/heatmap';
import type { PickRequest } from '../../common/dashboard/model';
import type { DashboardView } from '../../common/dashboard/view';
import type { ViewSettings } from '../../common/dashboard/viewFilter';
import type { MissedBlock } from '../../core/model';
import type { FromWorker, Totals, ToWorker, WindowEntry } from './protocol';
import { probeTimed } from '../hostProbe';

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

/** Appended records go to the worker at most this often. */
const APPEND_BATCH_MS = 200;

export class LogLoader {
  private readonly worker: ChildProcess;
  private exited = false;
  private pending: MissedBlock[] = [];
  private pendingLines: number[] = [];
  private nextId = 1;
  /** Answers awaited from the worker (views, picks), by request id. */
  private readonly asked = new Map<number, { resolve(m: FromWorker): void; reject(e: Error): void }>();
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
    this.worker = probeTimed('worker-fork', () =>
      fork(script, [], {
        execArgv: script.endsWith('.ts') ? ['--import', 'tsx'] : WORKER_FLAGS,
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      }),
    );
    this.worker.once('exit', () => {
      this.exited = true;
      for (const a of this.asked.values()) a.reject(new Error('the log worker has stopped'));
      this.asked.clear();
    });
    // A worker must never keep the extension host (or a test) alive on its own; while a load is
    // pending its channel holds the loop (load() refs it).
    this.worker.unref();
    this.idle();
  }

  /** Answers awaited (the load, views, picks): while any is, the channel holds the loop. */
  private waiting = 0;

  private hold(): void {
    if (this.waiting++ === 0) (this.worker.channel as { ref?(): void } | undefined)?.ref?.();
  }

  private release(): void {
    if (this.waiting > 0 && --this.waiting === 0) this.idle();
  }

  private idle(): void {
    (this.worker.channel as { unref?(): void } | undefined)?.unref?.();
  }

  /** Read the whole log in the worker; resolves with its totals and newest `window` records. */
  load(file: string, window: number): Promise<Loaded> {
    return new Promise<Loaded>((resolve, fail) => {
      const reject = (e: Error) => {
        this.release();
        fail(e);
      };
      const onMessage = (m: FromWorker) => {
        if (m.type === 'progress') this.ev.onProgress?.(m.done, m.total, m.records);
        else if (m.type === 'totals') this.ev.onTotals(m.totals);
        else if (m.type === 'view' || m.type === 'picked') {
          const a = this.asked.get(m.id);
          this.asked.delete(m.id);
          if (a) this.release();
          a?.resolve(m);
        }
        else if (m.type === 'window') {
          if (this.ev.onWindow) this.ev.onWindow(m.entries);
          else this.window.push(...m.entries);
        }
        else if (m.type === 'error') {
          if (this.done) this.ev.onError(m.message);
          else reject(new Error(m.message));
        } else if (m.type === 'loaded') {
          this.done = true;
          this.release();
          resolve(this.window.length ? { ...m, window: this.window } : m);
          this.window = [];
        }
      };
      this.worker.on('message', (m: FromWorker) => probeTimed(`worker-${m.type}`, () => onMessage(m)));
      this.worker.once('error', (e) => (this.done ? this.ev.onError(e.message) : reject(e)));
      this.worker.once('exit', (code) => {
        if (!this.done) reject(new Error(`the log worker exited (${code}) before the log was read`));
      });
      this.hold();
      this.post({ type: 'load', file, window });
    });
  }

  /** Records the host tailed after the load (`line` in the active file): the worker counts them and sends new totals. */
  append(r: MissedBlock, line: number): void {
    this.pending.push(r);
    this.pendingLines.push(line);
    if (this.flushing) return;
    this.flushing = true;
    // Sent in batches, a fifth of a second at a time: the worker recounts at most once a second
    // anyway, and a message per tailer read (up to a hundred a second while a monitor streams)
    // costs the host a serialization buffer each. Whatever is asked meanwhile flushes first.
    const t = setTimeout(() => {
      this.flushing = false;
      this.flushNow();
    }, APPEND_BATCH_MS);
    t.unref();
  }

  reset(): void {
    this.pending = [];
    this.pendingLines = [];
    this.post({ type: 'reset' });
  }

  /** The active file was rotated: the worker forgets the lines its records had. */
  rotated(): void {
    this.flushNow();
    this.post({ type: 'rotated' });
  }

  /** The dashboard's view of the whole log, aggregated in the worker. */
  view(settings: ViewSettings, slotSeconds: number, head?: number): Promise<{ view: DashboardView; clock: SlotClock; ms: number; stale: boolean }> {
    return this.ask({ type: 'view', id: this.nextId++, settings, slotSeconds, ...(head !== undefined ? { head } : {}) }).then((m) => m as Extract<FromWorker, { type: 'view' }>);
  }

  /** The line in the active file of the record a dashboard click stands for (0: in a rotated part; undefined: none). */
  pick(settings: ViewSettings, slotSeconds: number, pick: PickRequest): Promise<number | undefined> {
    return this.ask({ type: 'pick', id: this.nextId++, settings, slotSeconds, pick }).then((m) => (m as Extract<FromWorker, { type: 'picked' }>).line);
  }

  private ask(m: Extract<ToWorker, { id: number }>): Promise<FromWorker> {
    this.flushNow();
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error('the log worker has stopped'));
      this.asked.set(m.id, { resolve, reject });
      this.hold();
      this.post(m);
    });
  }

  /** Appends still queued go first: what is asked next must count them. */
  private flushNow(): void {
    if (!this.pending.length) return;
    const records = this.pending;
    const lines = this.pendingLines;
    this.pending = [];
    this.pendingLines = [];
    this.post({ type: 'append', records, lines });
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
