// Finds the workspace's missed-block logs (`missed_blocks*.jsonl`, `*.mbl.jsonl`) with chokidar and
// follows each with src/node/log's LogTailer, which reads only appended bytes and survives rotation.
// A log's rotated `.gz` siblings are read first, listed by the same resolveLogFiles the CLI report
// and the dashboard use, so every view counts the same records.
// What a log already holds is read by the log worker (worker/logWorker.ts, a child process): the
// host gets the whole log's totals and its newest records, then tails from where the worker
// stopped and hands it each appended record for new totals. The host holds a bounded window.
// Whoever writes a log — this window's monitor, `mbm watch`, a relay — the views learn of its
// records only here, so every log looks the same. No vscode import: tested in plain Node.
import { watch } from 'chokidar';
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { LogTailer } from '../node/log/tailer';
import type { ParseResult } from '../node/log/validate';
import { LogBook, MAX_ENTRIES_PER_FILE, type LogEntry } from './model/logBook';
import { LogLoader } from './worker/logLoader';
import { probeMark, probeTimed } from './hostProbe';

/**
 * `missed_blocks*.jsonl` or `*.mbl.jsonl`, but not a rotated part left uncompressed, nor a monitor's
 * side files beside its log (`missed_blocks.mainnet.alerts.outbox.jsonl`, `….features.jsonl`).
 */
export function isLogName(base: string): boolean {
  if (/\.\d{8}T\d{6}(?:-\d+)?\.jsonl$/.test(base)) return false;
  if (/\.(?:alerts\.outbox|features)\.jsonl$/i.test(base)) return false;
  return /^missed_blocks.*\.jsonl$/i.test(base) || /\.mbl\.jsonl$/i.test(base);
}

type Parse = (line: string) => ParseResult;
let parser: Promise<Parse> | undefined;
type Reader = typeof import('../node/log/reader.ts');
let reader: Promise<Reader> | undefined;

/**
 * The validator compiles the JSON Schema when loaded (~150 ms): loaded when the first log is
 * followed, not when the extension activates. (import() names the .ts file: NodeNext wants an
 * extension there; esbuild bundles it either way.)
 */
function loadParser(): Promise<Parse> {
  parser ??= import('../node/log/validate.ts').then((m) => m.parseLogLine);
  return parser;
}

/** Folders never searched: dependencies, build output of other toolchains, hidden folders. */
const SKIP_DIRS = new Set(['node_modules', 'bower_components', 'target']);

export interface LogChange {
  /** Records appended since the last change (after the file's first read). */
  appended: LogEntry[];
  /** Records read from what a file already held when it was found (no notifications for these). */
  initial: LogEntry[];
  /** Files found, lost, rotated or truncated. */
  filesChanged: boolean;
}

/** What finds a workspace's logs: the initial ones, then files added and removed. */
export interface DiscoveryEvents {
  add(file: string): void;
  unlink(file: string): void;
  warn(message: string): void;
}

/** Starts finding; resolves once the initial search has been made. */
export type Discover = (roots: readonly string[], depth: number, on: DiscoveryEvents) => Promise<{ close(): void | Promise<void> }>;

/**
 * Whether `file` is a log the search would find: under one of `roots`, at most `depth` folders
 * below it, in no hidden or skipped folder, with a log's name. Every Discover applies it.
 */
export function discoverable(roots: readonly string[], depth: number, file: string): boolean {
  const abs = path.resolve(file);
  if (!isLogName(path.basename(abs))) return false;
  return roots.some((root) => {
    const rel = path.relative(path.resolve(root), abs);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return false;
    const dirs = rel.split(path.sep).slice(0, -1);
    return dirs.length <= depth && dirs.every((d) => !SKIP_DIRS.has(d) && !d.startsWith('.'));
  });
}

/** The default search: chokidar over the roots (tests, and the editor when polling is asked for). */
export const chokidarDiscovery =
  (usePolling: boolean | undefined): Discover =>
  async (roots, depth, on) => {
    const abs = roots.map((r) => path.resolve(r));
    const w = watch([...abs], {
      ignoreInitial: false,
      persistent: true,
      depth,
      usePolling,
      ignored: (p: string, st?: Stats) => {
        if (abs.includes(p)) return false;
        const base = path.basename(p);
        if (SKIP_DIRS.has(base) || base.startsWith('.')) return true;
        return st?.isFile() === true && !isLogName(base);
      },
    });
    // chokidar's typings allow an Error in place of the path; only paths are of interest.
    w.on('add', (p) => {
      if (typeof p === 'string' && discoverable(abs, depth, p)) on.add(p);
    });
    w.on('unlink', (p) => {
      if (typeof p === 'string') on.unlink(p);
    });
    w.on('error', (e) => on.warn(`watching the workspace: ${(e as Error).message}`));
    await new Promise<void>((done) => w.once('ready', () => done()));
    return w;
  };

export interface LogWatcherOptions {
  /** Workspace folders to search. */
  roots: readonly string[];
  /** How the roots are searched (default chokidarDiscovery; the extension passes VS Code's own file search and watcher). */
  discover?: Discover;
  onChange(change: LogChange): void;
  onWarning?(message: string): void;
  /** Polling where inotify does not work (network filesystems, some containers). */
  usePolling?: boolean;
  /** Collect changes this long before reporting them (one tree refresh per burst). Default 250 ms. */
  debounceMs?: number;
  /** How deep below a root to look. Default 6. */
  depth?: number;
  /** Records kept per log on this thread. Default MAX_ENTRIES_PER_FILE. */
  window?: number;
  /** The log worker's script (default: dist/logWorker.js beside the bundle). */
  workerScript?: string;
  /** Read logs on this thread, as before the worker (benchmark anchor; fallback when a worker cannot start). */
  inThread?: boolean;
}

interface Followed {
  tailer: LogTailer;
  /** Until the first read finishes, lines are the file's existing content. */
  initialDone: boolean;
  /** Explicitly followed (our own log): kept even while the file does not exist. */
  pinned: boolean;
  /** The worker that read the log and keeps its totals (none when read on this thread). */
  loader?: LogLoader;
  /** The tailer goes on from where the worker stopped reading (every line it reads is new). */
  tailsWorker?: boolean;
}

export class LogWatcher {
  readonly book: LogBook;
  private readonly followed = new Map<string, Followed>();
  private discovery: { close(): void | Promise<void> } | undefined;
  private appended: LogEntry[] = [];
  private initial: LogEntry[] = [];
  private filesChanged = false;
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;
  private readonly badReported = new Map<string, number>();
  private parse: Parse | undefined;

  constructor(private readonly o: LogWatcherOptions) {
    this.book = new LogBook(o.window ?? MAX_ENTRIES_PER_FILE);
  }

  /** Start searching the roots. Resolves once the initial scan has been made. */
  async start(): Promise<void> {
    if (this.o.roots.length === 0) return;
    const discover = this.o.discover ?? chokidarDiscovery(this.o.usePolling);
    this.discovery = await discover(this.o.roots, this.o.depth ?? 6, {
      add: (p) => {
        if (!this.disposed) void this.follow(p, false);
      },
      unlink: (p) => {
        if (!this.disposed) void this.maybeForget(path.resolve(p));
      },
      warn: (m) => this.o.onWarning?.(m),
    });
    if (this.disposed) await this.discovery.close();
  }

  /**
   * Follow one log. `pinned`: our own log, shown even before it exists and kept when it is
   * removed (a rotation in progress); found logs are dropped when their file goes away.
   */
  async follow(file: string, pinned = true): Promise<void> {
    const abs = path.resolve(file);
    const known = this.followed.get(abs);
    if (known) {
      known.pinned ||= pinned;
      return;
    }
    if (this.disposed) return;
    this.parse ??= await loadParser();
    // Someone else may have started following it while the parser loaded.
    const raced = this.followed.get(abs);
    if (raced) raced.pinned ||= pinned;
    if (raced || this.disposed) return;
    const f: Followed = { pinned, initialDone: false, tailer: undefined! };
    this.followed.set(abs, f);
    this.book.ensure(abs);
    this.changed(true);
    const from = this.o.inThread ? undefined : await this.readInWorker(abs, f);
    if (this.disposed || this.followed.get(abs) !== f) {
      await f.loader?.dispose();
      return;
    }
    f.tailsWorker = from !== undefined;
    f.tailer = new LogTailer(abs, {
      from: from ?? 'start',
      usePolling: this.o.usePolling,
      onLine: (line, lineNo) => this.onLine(abs, f, line, lineNo),
      onReset: (why) => {
        this.book.reset(abs, why);
        if (why === 'truncated') f.loader?.reset();
        else f.loader?.rotated();
        this.changed(true);
      },
      onError: (e) => this.o.onWarning?.(`${abs}: ${e.message}`),
    });
    if (!from) await this.readRotated(abs);
    try {
      if (this.disposed) return;
      await f.tailer.start();
    } catch (err) {
      this.o.onWarning?.(`cannot follow ${abs}: ${(err as Error).message}`);
    }
    f.initialDone = true;
    this.changed(false);
  }

  /**
   * The worker reads the log (rotated parts, then the active file through its last complete line):
   * the book gets the whole log's totals and its newest records; the tailer goes on from the
   * offset returned. Undefined when no worker could read it (then this thread does, as before).
   */
  private async readInWorker(abs: string, f: Followed): Promise<{ offset: number; line: number; ino?: number } | undefined> {
    let loader: LogLoader;
    try {
      loader = new LogLoader(
        {
          onProgress: (done, total) => {
            this.book.setLoading(abs, { done, total });
            this.changed(false);
          },
          onTotals: (t) => {
            this.book.setTotals(abs, t);
            this.changed(false);
          },
          onError: (m) => this.o.onWarning?.(`${abs}: ${m}`),
          onWindow: (entries) => {
            if (this.disposed) return;
            probeTimed('window-part', () => {
              for (const e of entries) this.initial.push(this.book.add(abs, e.record, e.line));
            });
            this.changed(false);
          },
        },
        this.o.workerScript,
      );
    } catch (err) {
      this.o.onWarning?.(`cannot start the log reader for ${abs}, reading it here: ${(err as Error).message}`);
      return undefined;
    }
    f.loader = loader;
    this.book.setLoading(abs, { done: 0, total: 0 });
    try {
      probeMark('load-start');
      const r = await loader.load(abs, this.o.window ?? MAX_ENTRIES_PER_FILE);
      probeMark('loaded');
      if (this.disposed) return undefined;
      for (let i = 0; i < r.badLines; i++) this.book.badLine(abs);
      for (const b of r.bad) this.reportBad(abs, b.line, b.message);
      this.book.setTotals(abs, r.totals);
      if (r.totals.records > this.book.entries(abs).length) this.book.markWindowed(abs);
      return { offset: r.offset, line: r.lines, ...(r.ino !== -1 ? { ino: r.ino } : {}) };
    } catch (err) {
      this.o.onWarning?.(`cannot read ${abs}: ${(err as Error).message}`);
      f.loader = undefined;
      await loader.dispose();
      return undefined;
    } finally {
      this.book.setLoading(abs, undefined);
      this.changed(false);
    }
  }

  files(): string[] {
    return this.book.files();
  }

  /** The worker that read `file` and keeps its whole-log numbers (undefined until it has, or when read here). */
  workerFor(file: string): LogLoader | undefined {
    const f = this.followed.get(path.resolve(file));
    return f?.initialDone && this.book.totals(path.resolve(file)) ? f.loader : undefined;
  }

  /**
   * The records of `abs`'s rotated siblings (oldest first), before the active file: listed by
   * resolveLogFiles, the rule `mbm report` and the dashboard read a log by. They have no line to
   * open (the tree says "In a rotated part of the log"); the active file's rewrites replace them.
   */
  private async readRotated(abs: string): Promise<void> {
    try {
      reader ??= import('../node/log/reader.ts');
      const { readLogBatches, resolveLogFiles } = await reader;
      const rotated = (await resolveLogFiles(abs)).filter((f) => f !== abs);
      if (rotated.length === 0 || this.disposed) return;
      const batches = readLogBatches(rotated, { collapse: false, siblings: false, onBadLine: () => this.book.badLine(abs) });
      for await (const batch of batches) {
        if (this.disposed) return;
        for (const e of batch) this.initial.push(this.book.add(abs, e.record, undefined));
      }
      this.changed(false);
    } catch (err) {
      this.o.onWarning?.(`cannot read the rotated parts of ${abs}: ${(err as Error).message}`);
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.timer);
    await this.discovery?.close();
    await Promise.all([...this.followed.values()].map(async (f) => {
      await f.tailer?.stop();
      await f.loader?.dispose();
    }));
    this.followed.clear();
  }

  private onLine(file: string, f: Followed, raw: string, lineNo: number): void {
    // A BOM may open the first line of a file written by another tool.
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') return;
    const parsed = this.parse!(line);
    if (!parsed.ok) {
      this.book.badLine(file);
      this.reportBad(file, lineNo, parsed.message);
      this.changed(false);
      return;
    }
    const entry = this.book.add(file, parsed.record, lineNo);
    f.loader?.append(parsed.record, lineNo);
    // Past what the worker read at the start, a line was written after we looked: appended, even
    // while the tailer is still starting. Read on this thread from the file's start, it is initial
    // until the first pass is done.
    (f.initialDone || f.tailsWorker ? this.appended : this.initial).push(entry);
    this.changed(false);
  }

  private reportBad(file: string, lineNo: number, message: string): void {
    const n = (this.badReported.get(file) ?? 0) + 1;
    this.badReported.set(file, n);
    // A broken file must not flood the output channel.
    if (n <= 20) this.o.onWarning?.(`${file}:${lineNo}: ${message}${n === 20 ? ' (further bad lines of this file not reported)' : ''}`);
  }

  /** A found log whose file stayed away for a second is forgotten (a rotation recreates it sooner). */
  private async maybeForget(file: string): Promise<void> {
    const f = this.followed.get(file);
    if (!f || f.pinned) return;
    await new Promise((r) => setTimeout(r, 1000));
    if (this.disposed || f.pinned || this.followed.get(file) !== f) return;
    if (await stat(file).then(() => true, () => false)) return;
    this.followed.delete(file);
    await f.tailer?.stop();
    await f.loader?.dispose();
    this.book.remove(file);
    this.changed(true);
  }

  private changed(filesChanged: boolean): void {
    this.filesChanged ||= filesChanged;
    if (this.timer || this.disposed) return;
    // One change a debounce after the first event; under a steady stream (a monitor writing many
    // records a second) at most one every four debounces, so the views rebuild at ~1 Hz, not 4.
    const debounce = this.o.debounceMs ?? 250;
    const wait = Math.max(debounce, this.lastFlush + 4 * debounce - performance.now());
    this.timer = setTimeout(() => this.flush(), wait);
  }

  private lastFlush = -Infinity;

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.disposed) return;
    this.lastFlush = performance.now();
    const change: LogChange = { appended: this.appended, initial: this.initial, filesChanged: this.filesChanged };
    this.appended = [];
    this.initial = [];
    this.filesChanged = false;
    probeTimed('change', () => this.o.onChange(change));
  }
}
