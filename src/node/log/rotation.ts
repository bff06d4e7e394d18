// Size- and time-based rotation with gzip, and age-based retention of the rotated files.
//
// Time rotation (log_rotation_interval) closes the active file at each UTC boundary of the interval.
// Which interval a file belongs to comes from its mtime (the writer stamps it with its clock after
// each append), so a restart knows whether the file it finds is from an earlier interval. Its rotated
// name carries the boundary that closed it (e.g. 20240302T000000 for the lines of 1 March), in the
// same form as a size rotation's, so readers and retention treat both alike.
//
// A rotation is several filesystem steps, and the process can die between any two of them. The
// steps are ordered so that every intermediate state is recognisable from names alone and can be
// finished later without losing or duplicating a line:
//   1. pick the final name F = rotatedPath(active, now[, n]) that nothing uses yet
//   2. rename active → F.src                (atomic; new appends go to a fresh active file)
//   3. gzip F.src → F.part, fsync
//   4. rename F.part → F                    (atomic; readers never see a half-written .gz)
//   5. unlink F.src
// Leftover F.src with F present: died before 5, just unlink. Without F: redo 3–5 (a stale F.part is
// overwritten). None of these names match what rotatedSiblings() lists, so readers ignore them.
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, open, readdir, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { logBaseName, rotatedPath, rotatedSiblings } from './files';

const SRC = '.src';
const PART = '.part';

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function syncFile(p: string): Promise<void> {
  const h = await open(p, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Make renames durable; not every platform lets a directory be opened for fsync, so best effort. */
async function syncDir(dir: string): Promise<void> {
  try {
    await syncFile(dir);
  } catch {
    // Windows and some network filesystems refuse; the rename itself has still happened.
  }
}

/** Index of the UTC interval `ms` falls in (intervals divide a day, and the epoch is midnight UTC). */
export function intervalIndex(ms: number, intervalMs: number): number {
  return Math.floor(ms / intervalMs);
}

/**
 * When the active file, last written at `mtimeMs`, must be rotated because an interval boundary has
 * passed: the boundary that closed its interval, or null while it is still current.
 */
export function dueBoundary(mtimeMs: number, now: Date, intervalMs: number): Date | null {
  if (!(intervalMs > 0)) return null;
  const started = intervalIndex(mtimeMs, intervalMs);
  if (started >= intervalIndex(now.getTime(), intervalMs)) return null;
  return new Date((started + 1) * intervalMs);
}

/** The next UTC interval boundary after `now`. */
export function nextBoundary(now: Date, intervalMs: number): Date {
  return new Date((intervalIndex(now.getTime(), intervalMs) + 1) * intervalMs);
}

/**
 * A rotated name not yet used by a finished rotation nor by one in progress. Never older than the
 * newest rotated sibling (a clock stepped back, or a boundary stamp older than a size rotation made
 * by a faster clock): readers order by name, so the newest lines must sort last.
 */
async function freeRotatedPath(active: string, at: Date): Promise<string> {
  const newest = (await rotatedSiblings(active)).at(-1)?.rotatedAt;
  const now = newest && newest.getTime() > at.getTime() ? newest : at;
  for (let n = 0; ; n++) {
    const p = rotatedPath(active, now, n);
    if (!(await exists(p)) && !(await exists(p + SRC)) && !(await exists(p + PART))) return p;
  }
}

/** Steps 3–5 for one `F.src`; returns F. */
async function compressPending(src: string, fsync: boolean): Promise<string> {
  const final = src.slice(0, -SRC.length);
  if (!(await exists(final))) {
    const part = final + PART;
    await pipeline(createReadStream(src), createGzip(), createWriteStream(part, { flags: 'w' }));
    if (fsync) await syncFile(part);
    await rename(part, final);
    if (fsync) await syncDir(path.dirname(final));
  }
  await unlink(src);
  return final;
}

/**
 * Finish rotations of `active` that a crash interrupted (see the header). Returns the rotated
 * files that now exist because of it, oldest first.
 */
export async function finishInterruptedRotations(active: string, opts: { fsync?: boolean } = {}): Promise<string[]> {
  const dir = path.dirname(active);
  const prefix = `${logBaseName(active)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const pending = names
    .filter((n) => n.startsWith(prefix) && /^\d{8}T\d{6}(?:-\d+)?\.jsonl\.gz\.src$/.test(n.slice(prefix.length)))
    .sort();
  const done: string[] = [];
  for (const name of pending) done.push(await compressPending(path.join(dir, name), opts.fsync ?? true));
  return done;
}

/**
 * Rotate `active` now: it becomes a gzip file named per files.ts, and the next append starts a new
 * active file. Returns the rotated path, or null when there was nothing to rotate.
 */
export async function rotateActive(active: string, now: Date, opts: { fsync?: boolean } = {}): Promise<string | null> {
  const fsync = opts.fsync ?? true;
  const final = await freeRotatedPath(active, now);
  try {
    await rename(active, final + SRC);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (fsync) await syncDir(path.dirname(active));
  return compressPending(final + SRC, fsync);
}

/**
 * Delete rotated siblings of `active` whose rotation time (from the name) is more than
 * `retentionDays` before `now`. Only names rotatedSiblings() recognises are considered, so other
 * files in the directory are never touched. `retentionDays` 0 keeps everything. Returns the
 * deleted paths.
 */
export async function applyRetention(active: string, retentionDays: number, now: Date): Promise<string[]> {
  if (!(retentionDays > 0)) return [];
  const cutoff = now.getTime() - retentionDays * 86_400_000;
  const deleted: string[] = [];
  for (const f of await rotatedSiblings(active)) {
    if (f.rotatedAt.getTime() >= cutoff) continue;
    try {
      await unlink(f.path);
      deleted.push(f.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return deleted;
}
