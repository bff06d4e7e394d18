// Where a log's rotated siblings live and what they are called, shared by the writer (which makes
// them) and the readers (which read them oldest first before the active file).
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export const DEFAULT_LOG_PATH = 'logs/missed_blocks.jsonl';

/** `missed_blocks.jsonl` → `missed_blocks`; also strips `.jsonl.gz`. */
export function logBaseName(activePath: string): string {
  return path.basename(activePath).replace(/\.jsonl(\.gz)?$/, '');
}

/** UTC `yyyyMMddTHHmmss`, the stamp in rotated names; sorts as text in time order. */
export function rotationStamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
}

/** Name of the rotated file for `activePath` made at `d` (`-n` suffix when that second is taken). */
export function rotatedPath(activePath: string, d: Date, n = 0): string {
  return path.join(path.dirname(activePath), `${logBaseName(activePath)}.${rotationStamp(d)}${n ? `-${n}` : ''}.jsonl.gz`);
}

const STAMP = /^(\d{8}T\d{6})(?:-(\d+))?\.jsonl\.gz$/;

export interface RotatedFile {
  path: string;
  /** Rotation time parsed from the name. */
  rotatedAt: Date;
}

/** Rotated siblings of the active log, oldest first. */
export async function rotatedSiblings(activePath: string): Promise<RotatedFile[]> {
  const dir = path.dirname(activePath);
  const prefix = `${logBaseName(activePath)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const out: { file: RotatedFile; key: string; n: number }[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = STAMP.exec(name.slice(prefix.length));
    if (!m) continue;
    const s = m[1];
    const rotatedAt = new Date(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}Z`);
    out.push({ file: { path: path.join(dir, name), rotatedAt }, key: s, n: Number(m[2] ?? 0) });
  }
  out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.n - b.n));
  return out.map((o) => o.file);
}

/**
 * The files a reader should read for one path given by a user: for an active `.jsonl` log, its
 * rotated `.gz` siblings (oldest first) and then the log itself; any other path as given.
 */
export async function logFilesFor(given: string): Promise<string[]> {
  if (!given.endsWith('.jsonl') || STAMP.test(path.basename(given).split('.').slice(1).join('.'))) return [given];
  const rotated = await rotatedSiblings(given);
  return [...rotated.map((r) => r.path), given];
}
