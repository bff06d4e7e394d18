// The sink's on-disk queue (`<log>.pgqueue`): log lines waiting for the database, appended while
// it is unreachable and read back in order when it returns. Bounded: past maxBytes new lines are
// refused (counted, for the caller's warning) — they are still in the JSONL log.
//
// Appends and the final truncate are synchronous, so no line can slip in between "read to the
// end" and "empty the file". A crash mid-replay replays from the start next time: the upsert is
// idempotent and the order is kept, so the store ends the same.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, statSync, truncateSync, writeSync } from 'node:fs';
import path from 'node:path';

export const DEFAULT_SPOOL_BYTES = 64 * 1024 * 1024;

export class DiskQueue {
  /** Bytes already sent from the start of the file. */
  private offset = 0;
  droppedTotal = 0;

  constructor(
    readonly file: string,
    readonly maxBytes = DEFAULT_SPOOL_BYTES,
  ) {}

  /** After a crash mid-append: end a torn last line, so it is read (and rejected) as one bad line. */
  repair(): void {
    const size = this.size();
    if (size === 0) return;
    const fd = openSync(this.file, 'r+');
    try {
      const b = Buffer.alloc(1);
      readSync(fd, b, 0, 1, size - 1);
      if (b[0] !== 0x0a) writeSync(fd, '\n', size);
    } finally {
      closeSync(fd);
    }
  }

  /** Bytes on disk (sent ones included until the file is emptied). */
  size(): number {
    try {
      return statSync(this.file).size;
    } catch {
      return 0;
    }
  }

  /** True while the file holds lines not yet sent. */
  hasPending(): boolean {
    return this.size() > this.offset;
  }

  /** Appends lines (each without '\n'); returns how many were refused by the bound. */
  append(lines: readonly string[]): number {
    if (lines.length === 0) return 0;
    let size = this.size();
    const take: string[] = [];
    let refused = 0;
    for (const l of lines) {
      const bytes = Buffer.byteLength(l) + 1;
      if (size + bytes > this.maxBytes) refused++;
      else {
        take.push(l);
        size += bytes;
      }
    }
    if (take.length > 0) {
      mkdirSync(path.dirname(this.file), { recursive: true });
      const fd = openSync(this.file, 'a');
      try {
        const buf = Buffer.from(`${take.join('\n')}\n`);
        for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
      } finally {
        closeSync(fd);
      }
    }
    this.droppedTotal += refused;
    return refused;
  }

  /**
   * Up to `maxLines` complete lines after the offset (a torn last line, from a crash mid-append,
   * is skipped once the file has grown past it). Returns the lines and the offset after them.
   */
  peek(maxLines: number, maxBytes = 4 * 1024 * 1024): { lines: string[]; end: number } {
    if (!existsSync(this.file)) return { lines: [], end: this.offset };
    const fd = openSync(this.file, 'r');
    try {
      const size = fstatSync(fd).size;
      const want = Math.min(size - this.offset, maxBytes);
      if (want <= 0) return { lines: [], end: this.offset };
      const buf = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        const n = readSync(fd, buf, got, want - got, this.offset + got);
        if (n === 0) break;
        got += n;
      }
      const lines: string[] = [];
      let start = 0;
      let end = this.offset;
      for (let i = 0; i < got && lines.length < maxLines; i++) {
        if (buf[i] !== 0x0a) continue;
        const line = buf.toString('utf8', start, i).replace(/\r$/, '');
        if (line.trim() !== '') lines.push(line);
        start = i + 1;
        end = this.offset + start;
      }
      // One line longer than the read window: skip it rather than stall.
      if (lines.length === 0 && end === this.offset && got === maxBytes) end = this.offset + got;
      return { lines, end };
    } finally {
      closeSync(fd);
    }
  }

  /** The lines up to `end` are in the database. Empties the file once everything is. */
  ack(end: number): void {
    this.offset = end;
    if (this.offset >= this.size()) {
      if (existsSync(this.file)) truncateSync(this.file, 0);
      this.offset = 0;
    }
  }
}
