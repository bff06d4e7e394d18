// Output rows held back until it is known which of them a later record supersedes. Lets an
// export parse each line once (instead of a key pass and a parse pass) without keeping the log in
// memory: rows stay in memory up to a limit, then go to a temporary file; at the end they are
// copied out in order, skipping the dropped ones. A row may also be replaced (a record rewritten
// later keeps the position of its key's first record): the replacement's bytes are held in memory
// and written in the replaced row's place — rewrites are few (recoveries, escalations).
//
// Rows are packed into a few reused 1 MiB buffers: measured, allocating a fresh large Buffer or
// string per batch cost more system time (page faults) than writing the file. The temp file is
// written and read synchronously: 1 MiB to or from the page cache blocks for well under a
// millisecond, while each thread-pool round trip waited several on a busy machine.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BitSet } from '../log/keyset';

const BLOCK_BYTES = 1 << 20;
const MEMORY_LIMIT = 4 * BLOCK_BYTES;
/** Reads of the temp file: below malloc's mmap threshold (see source()). */
const READ_BYTES = 64 * 1024;
/** The reused read buffer: below the CLI writer's 1 MiB high-water mark, so a write never waits for 'drain'. */
const SHARED_READ_BYTES = 512 * 1024;
/** Rows are joined into strings of about this size before being copied into a block (small strings stay out of V8's large-object space). */
const JOIN_CHARS = 32 * 1024;

export class RowSpool {
  private pending: string[] = [];
  private pendingBytes = 0;
  /** Filled blocks kept in memory (memory mode) — byte counts in `used`. */
  private blocks: Buffer[] = [];
  private used: number[] = [];
  private current: Buffer = Buffer.allocUnsafe(BLOCK_BYTES);
  private currentUsed = 0;
  private memBytes = 0;
  private file?: { fd: number; dir: string; bytes: number };
  private lengths = new Uint32Array(1 << 14);
  private count = 0;
  private dropped = new BitSet();
  /** Row index → what is written in its place (null: nothing). */
  private readonly replaced = new Map<number, Buffer | null>();

  constructor(private readonly memoryLimit = MEMORY_LIMIT) {}

  /** Rows that will be written: added, not dropped and not empty, or replaced by bytes. */
  get size(): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      const r = this.replaced.get(i);
      if (r !== undefined ? r !== null && r.length > 0 : this.lengths[i] > 0 && !this.dropped.has(i)) n++;
    }
    return n;
  }

  /** Write `bytes` (null: nothing) where row `index` is, instead of that row. */
  replace(index: number, bytes: Buffer | null): void {
    this.replaced.set(index, bytes);
  }

  /** Appends a row (its exact text, line ending included); returns its index. */
  add(row: string): number {
    if (this.count === this.lengths.length) {
      const bigger = new Uint32Array(this.lengths.length * 2);
      bigger.set(this.lengths);
      this.lengths = bigger;
    }
    const bytes = Buffer.byteLength(row);
    this.lengths[this.count] = bytes;
    this.pending.push(row);
    this.pendingBytes += bytes;
    if (this.pendingBytes >= JOIN_CHARS) this.pack();
    return this.count++;
  }

  /**
   * Appends a row that `write(arg, buf, pos)` puts straight into the buffer (with room for
   * maxBytes) and returns its end, or -1 to decline (nothing is added then). Returns the row's
   * index or -1. (`arg` rather than a closure: no allocation per row.)
   */
  addWith<T>(write: (arg: T, buf: Buffer, pos: number) => number, arg: T, maxBytes: number): number {
    if (this.pending.length > 0) this.pack(); // keep rows in order
    if (BLOCK_BYTES - this.currentUsed < maxBytes) this.seal();
    const end = write(arg, this.current, this.currentUsed);
    if (end < 0) return -1;
    if (this.count === this.lengths.length) {
      const bigger = new Uint32Array(this.lengths.length * 2);
      bigger.set(this.lengths);
      this.lengths = bigger;
    }
    this.lengths[this.count] = end - this.currentUsed;
    this.currentUsed = end;
    return this.count++;
  }

  /**
   * Appends `n` rows whose bytes lie back to back in src[start, end) and whose byte lengths are
   * lens[from, from + n): one copy for the lot. Returns the index of the first.
   */
  addRun(src: Uint8Array, start: number, end: number, lens: Uint32Array, from: number, n: number): number {
    if (this.pending.length > 0) this.pack(); // keep rows in order
    while (this.count + n > this.lengths.length) {
      const bigger = new Uint32Array(this.lengths.length * 2);
      bigger.set(this.lengths);
      this.lengths = bigger;
    }
    this.lengths.set(lens.subarray(from, from + n), this.count);
    for (let off = start; off < end; ) {
      const take = Math.min(end - off, BLOCK_BYTES - this.currentUsed);
      this.current.set(src.subarray(off, off + take), this.currentUsed);
      this.currentUsed += take;
      off += take;
      if (this.currentUsed === BLOCK_BYTES) this.seal();
    }
    const first = this.count;
    this.count += n;
    return first;
  }

  drop(index: number): void {
    this.dropped.add(index);
  }

  /** Copies pending rows into the current block (a row may be split across two blocks). */
  private pack(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.currentUsed + bytes <= BLOCK_BYTES) {
      this.currentUsed += this.current.write(text, this.currentUsed);
      return;
    }
    const b = Buffer.from(text);
    for (let off = 0; off < b.length; ) {
      const n = b.copy(this.current, this.currentUsed, off);
      this.currentUsed += n;
      off += n;
      if (this.currentUsed === BLOCK_BYTES) this.seal();
    }
  }

  /** The current block is full: keep it (memory) or write it out and reuse it (file). */
  private seal(): void {
    if (this.file) {
      this.writeOut(this.current, this.currentUsed);
    } else {
      this.blocks.push(this.current);
      this.used.push(this.currentUsed);
      this.memBytes += this.currentUsed;
      this.current = Buffer.allocUnsafe(BLOCK_BYTES);
    }
    this.currentUsed = 0;
  }

  private writeOut(block: Buffer, n: number): void {
    const f = this.file!;
    for (let off = 0; off < n; ) off += writeSync(f.fd, block, off, n - off, f.bytes + off);
    f.bytes += n;
  }

  /** Call between batches: past the memory limit, moves the rows to a temp file. */
  flush(): void {
    if (this.file || this.memBytes <= this.memoryLimit) return;
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-export-'));
    this.file = { fd: openSync(path.join(dir, 'rows'), 'w+'), dir, bytes: 0 };
    for (let i = 0; i < this.blocks.length; i++) this.writeOut(this.blocks[i], this.used[i]);
    this.blocks = [];
    this.used = [];
    this.memBytes = 0;
  }

  /** All rows as byte chunks, in order. */
  private *source(reuse: boolean): Generator<Buffer> {
    this.pack();
    if (this.currentUsed > 0) this.seal();
    if (!this.file) {
      for (let i = 0; i < this.blocks.length; i++) yield this.blocks[i].subarray(0, this.used[i]);
      return;
    }
    const f = this.file;
    const shared = reuse ? Buffer.allocUnsafe(SHARED_READ_BYTES) : undefined;
    for (let pos = 0; pos < f.bytes; ) {
      // A fresh buffer per read: what we yield may still sit in the output stream's queue (or in
      // a consumer's hands). Small ones: the allocator reuses their memory, while each fresh
      // 1 MiB buffer is new pages (measured: reading into those cost 5-10 times the reads).
      const buf = shared ? shared.subarray(0, Math.min(SHARED_READ_BYTES, f.bytes - pos)) : Buffer.allocUnsafe(Math.min(READ_BYTES, f.bytes - pos));
      const bytesRead = readSync(f.fd, buf, 0, buf.length, pos);
      if (bytesRead === 0) throw new Error('export spool file shrank while being read');
      pos += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  }

  /**
   * Writes the kept rows in order through `write` (which must resolve only when the bytes were
   * taken, as export's backpressure-aware writer does). With `skipFirstByte` the first kept row
   * loses its first byte (a JSON array's leading comma). With `reuseBuffers` (only when `write`
   * is done with a chunk once it resolves) the temp file is read into one reused buffer.
   */
  async copyTo(write: (b: Buffer) => Promise<void>, opts: { skipFirstByte?: boolean; reuseBuffers?: boolean } = {}): Promise<void> {
    let row = -1;
    let rowLeft = 0; // bytes of the current row still to come
    let skip = opts.skipFirstByte ?? false;
    const replaced = this.replaced;
    const all = this.dropped.size === 0 && replaced.size === 0 && !skip;
    /** The replacement of row r, where that row starts. */
    const writeReplacement = async (r: number) => {
      const b = replaced.get(r);
      if (!b || b.length === 0) return;
      await write(skip ? b.subarray(1) : b);
      skip = false;
    };
    for (const chunk of this.source(opts.reuseBuffers ?? false)) {
      if (all) {
        await write(chunk);
        continue;
      }
      // The kept runs are moved together towards the front of the chunk (ours: a spool block or a
      // fresh read) and written at once: a write per run cost a system call per dropped row.
      // Bytes before `base` were handed to write() already (a replacement came between).
      let base = 0;
      let kept = 0;
      const keep = (from: number, to: number) => {
        if (from !== kept) chunk.copyWithin(kept, from, to);
        kept += to - from;
      };
      let pos = 0;
      let runStart = -1; // start of a run of kept bytes within this chunk
      while (pos < chunk.length) {
        // Take as much of the current row as this chunk holds; a row may span two chunks.
        if (rowLeft === 0) {
          row++;
          rowLeft = this.lengths[row];
          if (replaced.has(row)) {
            if (runStart !== -1) keep(runStart, pos);
            runStart = -1;
            if (kept > base) await write(chunk.subarray(base, kept));
            base = kept = pos;
            await writeReplacement(row);
          }
          continue;
        }
        const take = Math.min(rowLeft, chunk.length - pos);
        if (!this.dropped.has(row) && !replaced.has(row)) {
          let from = pos;
          if (skip && rowLeft === this.lengths[row]) {
            from++;
            skip = false;
          }
          if (runStart === -1) runStart = from;
        } else if (runStart !== -1) {
          keep(runStart, pos);
          runStart = -1;
        }
        pos += take;
        rowLeft -= take;
      }
      if (runStart !== -1 && runStart < chunk.length) keep(runStart, chunk.length);
      if (kept > base) await write(chunk.subarray(base, kept));
    }
    // Empty rows after the last byte (placeholders) may still have replacements.
    while (row + 1 < this.count) {
      row++;
      if (this.lengths[row] === 0 && replaced.has(row)) await writeReplacement(row);
    }
  }

  dispose(): void {
    this.blocks = [];
    this.pending = [];
    if (this.file) {
      closeSync(this.file.fd);
      rmSync(this.file.dir, { recursive: true, force: true });
      this.file = undefined;
    }
  }
}
