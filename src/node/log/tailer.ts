// Follows one log file as it grows, reading only the appended bytes. Survives rotation (the file
// is renamed away and a new one appears) and truncation. Shared by `mbm tail` and the extension.
import { watch, type FSWatcher } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';

export interface TailerOptions {
  /** Called for every complete line (without its line ending), with its 1-based line number. */
  onLine: (line: string, lineNo: number) => void;
  /** The file was replaced or truncated; line numbers restart at 1. */
  onReset?: (why: 'rotated' | 'truncated' | 'removed') => void;
  onError?: (err: Error) => void;
  /**
   * 'end' (default) skips what is already there; 'start' reads it all first; an offset resumes
   * after bytes someone else already read (`line`: how many lines those bytes hold).
   */
  from?: 'start' | 'end' | { offset: number; line: number; ino?: number };
  /** Polling works where inotify does not (network filesystems, some containers). */
  usePolling?: boolean;
}

const CHUNK = 1 << 20;

export class LogTailer {
  private watcher?: FSWatcher;
  private ino = -1;
  private offset = 0;
  private lineNo = 0;
  private rest: Buffer = Buffer.alloc(0);
  private buf: Buffer = Buffer.alloc(0);
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private safety?: NodeJS.Timeout;

  constructor(
    readonly path: string,
    private readonly opts: TailerOptions,
  ) {}

  async start(): Promise<void> {
    const st = await stat(this.path).catch(() => undefined);
    if (st) {
      this.ino = st.ino;
      const from = this.opts.from ?? 'end';
      if (typeof from === 'object') {
        // Replaced since those bytes were read: the new file is read from its start.
        if (from.ino !== undefined && from.ino !== st.ino) this.opts.onReset?.('rotated');
        else {
          this.lineNo = from.line;
          this.offset = from.offset;
        }
      } else if (from === 'end') {
        this.lineNo = await countLines(this.path, st.size);
        this.offset = st.size;
      }
    }
    // Watch the directory, not the file: a watch on the file itself dies with the inode when the
    // log is rotated (renamed away), and the new file would go unseen. Node's own fs.watch
    // (inotify): chokidar would re-list the directory on every append.
    const dir = dirname(resolve(this.path));
    const name = basename(resolve(this.path));
    if (!this.opts.usePolling) {
      try {
        this.watcher = watch(dir, { persistent: true }, (_event, file) => {
          if (file === null || file === name) this.schedule();
        });
        this.watcher.on('error', (e) => this.opts.onError?.(new Error(`watching ${dir}: ${e.message}; reading it four times a second instead`)));
      } catch (e) {
        this.opts.onError?.(new Error(`cannot watch ${dir}: ${(e as Error).message}; reading it four times a second instead`));
      }
    }
    // A watch does not always report a file that is renamed away and created anew under the same
    // name (log rotation), and now and then drops a change event (or there is none: usePolling, a
    // network filesystem); a cheap stat four times a second catches all of these.
    this.safety = setInterval(() => this.schedule(), 250);
    // The watch keeps a follower (mbm tail) alive; without one the interval has to.
    if (this.watcher) this.safety.unref();
    // Anything appended between the stat above and the watcher being ready.
    this.schedule();
    await this.chain;
  }

  /** Wait until everything already signalled has been read (useful in tests and on shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.safety);
    this.watcher?.close();
    await this.chain;
  }

  /** Read now, without waiting for a filesystem event. */
  poll(): Promise<void> {
    this.schedule();
    return this.chain;
  }

  /** A read is queued and has not started: more events until it starts need no read of their own. */
  private queued = false;

  private schedule(): void {
    if (this.queued) return;
    this.queued = true;
    this.chain = this.chain
      .then(() => {
        this.queued = false;
        return this.readNew();
      })
      .catch((e) => this.opts.onError?.(e as Error));
  }

  private reset(why: 'rotated' | 'truncated' | 'removed', ino: number): void {
    this.ino = ino;
    this.offset = 0;
    this.lineNo = 0;
    this.rest = Buffer.alloc(0);
    this.opts.onReset?.(why);
  }

  private async readNew(): Promise<void> {
    if (this.stopped) return;
    const st = await stat(this.path).catch(() => undefined);
    if (!st) {
      if (this.ino !== -1) this.reset('removed', -1);
      return;
    }
    if (this.ino !== -1 && st.ino !== this.ino) this.reset('rotated', st.ino);
    else if (st.size < this.offset) this.reset('truncated', st.ino);
    this.ino = st.ino;
    if (st.size === this.offset) return;
    const fh = await open(this.path, 'r');
    try {
      // One buffer per follower, grown to what was appended (up to 1 MiB) and used again: a
      // follower read many times a second would otherwise allocate a buffer per read (a fixed
      // 1 MiB one made ~100 MB/s of garbage in the extension host). consume() copies what it keeps.
      const len = Math.min(CHUNK, Math.max(st.size - this.offset, 4096));
      if (this.buf.length < len) this.buf = Buffer.allocUnsafe(len);
      const buf = this.buf;
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, len, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.consume(buf.subarray(0, bytesRead));
      }
    } finally {
      await fh.close();
    }
  }

  private consume(chunk: Buffer): void {
    let data = this.rest.length ? Buffer.concat([this.rest, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      const end = nl > start && data[nl - 1] === 13 ? nl - 1 : nl;
      this.lineNo += 1;
      this.opts.onLine(data.toString('utf8', start, end), this.lineNo);
      start = nl + 1;
    }
    // Keep the unterminated tail (a line still being written) as bytes, so a multi-byte character
    // split across two reads decodes correctly once the rest arrives.
    this.rest = Buffer.from(data.subarray(start));
    data = Buffer.alloc(0);
  }
}

/** Number of '\n'-terminated lines in the first `size` bytes of a file. */
export async function countLines(file: string, size: number): Promise<number> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = 0;
    let n = 0;
    while (pos < size) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, size - pos), pos);
      if (bytesRead === 0) break;
      for (let i = buf.indexOf(10, 0); i !== -1 && i < bytesRead; i = buf.indexOf(10, i + 1)) n++;
      pos += bytesRead;
    }
    return n;
  } finally {
    await fh.close();
  }
}

/** The last `n` complete lines of a file (for `tail`'s initial screen), read from the end. */
export async function lastLines(file: string, n: number): Promise<{ lines: string[]; firstLineNo: number; size: number }> {
  const st = await stat(file);
  const fh = await open(file, 'r');
  try {
    let pos = st.size;
    let tail = Buffer.alloc(0);
    while (pos > 0) {
      const len = Math.min(64 * 1024, pos);
      pos -= len;
      const b = Buffer.allocUnsafe(len);
      await fh.read(b, 0, len, pos);
      tail = Buffer.concat([b, tail]);
      let count = 0;
      for (let i = tail.indexOf(10); i !== -1; i = tail.indexOf(10, i + 1)) count++;
      if (count > n) break;
    }
    const lastNl = tail.lastIndexOf(10);
    const complete = lastNl === -1 ? Buffer.alloc(0) : tail.subarray(0, lastNl);
    const all = complete.length ? complete.toString('utf8').split('\n').map((l) => l.replace(/\r$/, '')) : [];
    const startIdx = pos > 0 ? 1 : 0; // the first piece may be a partial line when we stopped early
    const lines = all.slice(Math.max(startIdx, all.length - n));
    const total = await countLines(file, st.size);
    return { lines, firstLineNo: total - lines.length + 1, size: st.size };
  } finally {
    await fh.close();
  }
}
