// The last block the monitor processed, kept beside the log so a restart knows where to resume
// (backfill starts at number + 1). Written atomically (temp file, fsync, rename, fsync of the
// directory) so a crash leaves either the old checkpoint or the new one, never half of one.
// Throttled: a busy chain would otherwise cost one fsync per block.
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { BlockInfo } from '../core/model';

export interface Checkpoint {
  number: number;
  hash: string;
  /** The block's own timestamp (unix s). */
  timestamp: number;
  chain_id?: number;
  source?: string;
  /** When this checkpoint was written (unix s); informative only. */
  saved_at?: number;
}

export function checkpointPathFor(logPath: string): string {
  return `${logPath}.checkpoint.json`;
}

function isCheckpoint(v: unknown): v is Checkpoint {
  const o = v as Record<string, unknown> | null;
  return (
    !!o &&
    typeof o === 'object' &&
    Number.isInteger(o.number) &&
    (o.number as number) >= 0 &&
    typeof o.hash === 'string' &&
    typeof o.timestamp === 'number' &&
    (o.chain_id === undefined || typeof o.chain_id === 'number')
  );
}

/** The checkpoint at `file`, or undefined when there is none or it is unreadable (a fresh start, not an error). */
export async function readCheckpoint(file: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v: unknown = JSON.parse(text);
    return isCheckpoint(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The head the monitor writing these logs last processed, from their checkpoints (`<log>.checkpoint.json`;
 * the newest when several logs are given; rotated .gz files have none). Views that read a log
 * without a running monitor judge "current streak" by it, exactly as the monitor did
 * (computeStreaks' headBlock): a streak the chain has moved past is over, offline too.
 * Undefined when no checkpoint is found (a log another program writes).
 */
export async function loggedHead(logPaths: readonly string[]): Promise<number | undefined> {
  const heads = await Promise.all(logPaths.filter((p) => !p.endsWith('.gz')).map((p) => readCheckpoint(checkpointPathFor(p))));
  let head: number | undefined;
  for (const cp of heads) if (cp && (head === undefined || cp.number > head)) head = cp.number;
  return head;
}

/** Write `cp` to `file` atomically and durably. */
export async function writeCheckpointFile(file: string, cp: Checkpoint): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(`${JSON.stringify(cp)}\n`, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  // The rename itself lives in the directory entry; without this a power cut can undo it.
  const dh = await open(dir, 'r').catch(() => undefined);
  if (dh) {
    await dh.sync().catch(() => undefined);
    await dh.close();
  }
}

export interface CheckpointStoreOptions {
  /** Minimum time between two writes; the latest block always reaches disk on flush(). */
  intervalMs?: number;
  onError?: (err: Error) => void;
}

/**
 * Holds the newest processed block and writes it at most every `intervalMs`. The checkpoint never
 * moves backwards in number (a reorg may replace the block at the same height, which is kept).
 */
export class CheckpointStore {
  private current: Checkpoint | undefined;
  private written: Checkpoint | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;

  constructor(
    readonly file: string,
    private readonly opts: CheckpointStoreOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 1000;
  }

  /** Read what is on disk and hold it as the starting point. */
  async load(): Promise<Checkpoint | undefined> {
    const cp = await readCheckpoint(this.file);
    if (cp && (!this.current || cp.number > this.current.number)) this.current = this.written = cp;
    return cp;
  }

  get(): Checkpoint | undefined {
    return this.current;
  }

  /** Note a processed block; schedules a throttled write. */
  update(b: BlockInfo): void {
    if (this.current && b.number < this.current.number) return;
    if (this.current && b.number === this.current.number && b.hash === this.current.hash) return;
    this.current = { number: b.number, hash: b.hash, timestamp: b.timestamp, chain_id: b.chainId, source: b.source };
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush().catch((err: Error) => this.opts.onError?.(err));
      }, this.intervalMs);
      this.timer.unref();
    }
  }

  /** Write the newest checkpoint now (if it changed). Writes are serialized. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    // A failed earlier write must not block later ones; its caller already saw the error.
    this.writing = this.writing.catch(() => undefined).then(async () => {
      const cp = this.current;
      if (!cp || cp === this.written) return;
      await writeCheckpointFile(this.file, { ...cp, saved_at: Math.floor(Date.now() / 1000) });
      this.written = cp;
    });
    return this.writing;
  }

  /** Flush and stop scheduling. */
  async close(): Promise<void> {
    await this.flush();
  }
}
