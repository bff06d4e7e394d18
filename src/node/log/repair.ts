// A process killed in the middle of an append leaves a last line without its '\n'. Left alone, the
// next append would glue a good record onto that fragment and both would be unreadable. This runs
// before a writer appends to an existing log and makes sure the file ends on a line boundary,
// without losing the fragment's bytes.
import { createReadStream, createWriteStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { MAX_LINE_BYTES, parseLogLine } from './validate';

export type RepairResult =
  /** Missing, empty, not a regular file, or already ending in '\n'. */
  | { action: 'none' }
  /** The last line was a complete, valid record that only lacked its '\n'. */
  | { action: 'newline-appended'; bytes: number }
  /** The last line was not a valid record: its bytes were moved to `tornPath` and the log cut back. */
  | { action: 'moved-to-torn'; bytes: number; tornPath: string; truncatedTo: number; problem: string };

/** Where torn fragments of `logPath` are kept for a human to inspect. */
export function tornPath(logPath: string): string {
  return `${logPath}.torn`;
}

const TAIL_CHUNK = 64 * 1024;
// A fragment longer than this cannot be a valid line (parseLogLine's limit is in UTF-16 units, and
// a UTF-8 character is at most 4 bytes), so we don't read it into memory to find out.
const MAX_FRAGMENT_TO_PARSE = MAX_LINE_BYTES * 4;

async function readAt(h: FileHandle, buf: Buffer, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await h.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${position + done}`);
    done += bytesRead;
  }
}

/** Offset of the last '\n' in the file, or -1; reads backwards in fixed chunks so memory stays small. */
async function lastNewline(h: FileHandle, size: number): Promise<number> {
  const buf = Buffer.alloc(Math.min(TAIL_CHUNK, size));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - buf.length);
    await readAt(h, buf, end - start, start);
    const i = buf.subarray(0, end - start).lastIndexOf(0x0a);
    if (i >= 0) return start + i;
    end = start;
  }
  return -1;
}

async function appendFragmentToTorn(logPath: string, from: number, to: number, fsync: boolean): Promise<string> {
  const side = tornPath(logPath);
  // Streamed, not buffered: a torn fragment can be the whole (large) file if it never had a newline.
  await pipeline(createReadStream(logPath, { start: from, end: to - 1 }), createWriteStream(side, { flags: 'a' }));
  const h = await open(side, 'a');
  try {
    await h.write('\n');
    if (fsync) await h.sync();
  } finally {
    await h.close();
  }
  return side;
}

/**
 * Make `logPath` end on a line boundary. A complete valid last record gets its '\n'; anything else
 * after the last '\n' is appended to `<logPath>.torn` (plus a newline) and cut from the log. The
 * side file is written and synced before the log is truncated, so a crash in between can at worst
 * leave the fragment in both places, never in neither.
 */
export async function repairTornTail(logPath: string, opts: { fsync?: boolean } = {}): Promise<RepairResult> {
  const fsync = opts.fsync ?? true;
  let h: FileHandle;
  try {
    h = await open(logPath, 'r+');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') return { action: 'none' };
    throw err;
  }
  try {
    const st = await h.stat();
    if (!st.isFile() || st.size === 0) return { action: 'none' };
    const last = Buffer.alloc(1);
    await readAt(h, last, 1, st.size - 1);
    if (last[0] === 0x0a) return { action: 'none' };

    const cut = (await lastNewline(h, st.size)) + 1;
    const bytes = st.size - cut;
    let problem = `fragment of ${bytes} bytes is too long to be a record`;
    if (bytes <= MAX_FRAGMENT_TO_PARSE) {
      const frag = Buffer.alloc(bytes);
      await readAt(h, frag, bytes, cut);
      const parsed = parseLogLine(frag.toString('utf8'));
      if (parsed.ok) {
        await h.write('\n', st.size);
        if (fsync) await h.sync();
        return { action: 'newline-appended', bytes };
      }
      problem = parsed.message;
    }
    const side = await appendFragmentToTorn(logPath, cut, st.size, fsync);
    await h.truncate(cut);
    if (fsync) await h.sync();
    return { action: 'moved-to-torn', bytes, tornPath: side, truncatedTo: cut, problem };
  } finally {
    await h.close();
  }
}
