// One open log as the server holds it: its lines and one entry per line. Edits are incremental: a
// change replaces the lines it touched and marks only those "not parsed yet", so an append parses
// only the appended lines. Parsing runs in time slices between messages, so a 50 MB log being
// opened does not freeze the server: requests that need the whole model wait for `whenParsed()`,
// nothing else does.
//
// The text is kept as an array of lines rather than in vscode-languageserver-textdocument's
// TextDocument: that one keeps a single string, so every change costs a copy of the whole document
// (measured on a 50 MB log: about half a second per append), where a line array costs the changed
// lines only.
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver';
import type { DocumentStats } from '../common/lspProtocol';
import { analyzeLine, BLANK, type LineEntry } from './lineEntry';

/** Longest stretch of parsing without letting other messages in (measured: ~2,500 lines). */
const SLICE_MS = 25;
/** Array.prototype.splice takes its insertions as arguments; beyond this, rebuild instead. */
const SPLICE_ARGS_MAX = 10_000;
/** Generations whose touched line is remembered (touchedSince); older ones mean "rebuild". */
const TOUCHED_KEPT = 256;

type Position = { line: number; character: number };

/** Lines as LSP counts them: \r\n, \r and \n all end one. */
export function splitLines(text: string): string[] {
  return text.includes('\r') ? text.split(/\r\n|\r|\n/) : text.split('\n');
}

function ordered(start: Position, end: Position): [Position, Position] {
  return start.line > end.line || (start.line === end.line && start.character > end.character) ? [end, start] : [start, end];
}

export class LogDocument {
  private lines: string[];
  private docVersion: number;
  /** Parallel to `lines`; undefined = not parsed yet. Invariant: every entry before `scanFrom` is parsed. */
  private entries: (LineEntry | undefined)[];
  private pending: number;
  private scanFrom = 0;
  private scheduled = false;
  private closed = false;
  private waiters: (() => void)[] = [];
  /** Lines handed to the parser since open (the incremental-parsing counter the tests read). */
  parsedLines = 0;
  /** Bumped on every change; derived views (streaks) are cached per generation. */
  generation = 0;
  /** First line each recent generation touched, so a derived view can update just the tail. */
  private touched: { generation: number; from: number }[] = [];

  constructor(
    readonly uri: string,
    version: number,
    text: string,
    private readonly onParsed: (doc: LogDocument) => void,
  ) {
    this.docVersion = version;
    this.lines = splitLines(text);
    this.entries = new Array<LineEntry | undefined>(this.lines.length).fill(undefined);
    this.pending = this.entries.length;
    this.pump();
  }

  get version(): number {
    return this.docVersion;
  }

  get pendingLines(): number {
    return this.pending;
  }

  get lineCount(): number {
    return this.entries.length;
  }

  /** Line i without its line break. */
  lineText(i: number): string {
    return this.lines[i] ?? '';
  }

  entry(i: number): LineEntry | undefined {
    return this.entries[i];
  }

  applyChanges(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    let from = Infinity;
    for (const change of changes) {
      if ('range' in change) {
        const [start, end] = ordered(change.range.start, change.range.end);
        const last = this.lines.length - 1;
        const sl = Math.min(start.line, last);
        const el = Math.min(end.line, last);
        // Positions past a line's end or the document's end clamp to it, as LSP specifies.
        const head = start.line > last ? this.lines[last] : this.lines[sl].slice(0, start.character);
        const tail = end.line > last ? '' : this.lines[el].slice(end.character);
        this.replaceLines(sl, el - sl + 1, splitLines(head + change.text + tail));
        from = Math.min(from, sl);
      } else {
        this.replaceLines(0, this.lines.length, splitLines(change.text));
        from = 0;
      }
    }
    this.docVersion = version;
    this.generation++;
    this.touched.push({ generation: this.generation, from });
    if (this.touched.length > TOUCHED_KEPT) this.touched.splice(0, this.touched.length - TOUCHED_KEPT);
    if (!this.scheduled) this.pump(); // else the slice already queued carries on, lines in order
  }

  /**
   * The first line any change after `generation` touched (lines before it are unchanged and keep
   * their numbers); Infinity when nothing changed, 0 when that is too long ago to know.
   */
  touchedSince(generation: number): number {
    if (generation === this.generation) return Infinity;
    if (this.touched.length === 0 || this.touched[0].generation > generation + 1) return 0;
    let from = Infinity;
    for (const t of this.touched) if (t.generation > generation) from = Math.min(from, t.from);
    return from;
  }

  /** Resolves once every line is parsed (immediately when it already is). */
  whenParsed(): Promise<void> {
    if (this.pending === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  close(): void {
    this.closed = true;
    this.release();
  }

  stats(): DocumentStats {
    let records = 0;
    let badLines = 0;
    let warnings = 0;
    for (const e of this.entries) {
      if (e?.state === 'record') {
        records++;
        warnings += e.warnings?.length ?? 0;
      } else if (e?.state === 'bad') badLines++;
    }
    return { version: this.version, lineCount: this.lineCount, records, badLines, warnings, pendingLines: this.pending, parsedLines: this.parsedLines };
  }

  private replaceLines(at: number, removeCount: number, added: string[]): void {
    let removedPending = 0;
    for (let i = at; i < at + removeCount; i++) if (this.entries[i] === undefined) removedPending++;
    const fresh = new Array<LineEntry | undefined>(added.length).fill(undefined);
    if (added.length > SPLICE_ARGS_MAX) {
      this.lines = this.lines.slice(0, at).concat(added, this.lines.slice(at + removeCount));
      this.entries = this.entries.slice(0, at).concat(fresh, this.entries.slice(at + removeCount));
    } else {
      this.lines.splice(at, removeCount, ...added);
      this.entries.splice(at, removeCount, ...fresh);
    }
    this.pending += added.length - removedPending;
    this.scanFrom = Math.min(this.scanFrom, at);
  }

  private parseLine(i: number): LineEntry {
    const e = analyzeLine(this.lineText(i), i === 0);
    if (e !== BLANK) this.parsedLines++;
    return e;
  }

  /** Parses pending lines for up to `budgetMs`; true when none is left. */
  private fill(budgetMs: number): boolean {
    const deadline = performance.now() + budgetMs;
    const e = this.entries;
    let i = this.scanFrom;
    let k = 0;
    for (; this.pending > 0 && i < e.length; i++) {
      if (e[i] !== undefined) continue;
      e[i] = this.parseLine(i);
      this.pending--;
      if ((++k & 63) === 0 && performance.now() > deadline) {
        this.scanFrom = i + 1;
        return false;
      }
    }
    this.scanFrom = i;
    this.pending = 0; // also repairs a count that drifted (it cannot be positive with nothing left to scan)
    return true;
  }

  private readonly pump = (): void => {
    this.scheduled = false;
    if (this.closed) return;
    if (!this.fill(SLICE_MS)) {
      this.scheduled = true;
      setImmediate(this.pump);
      return;
    }
    this.release();
    this.onParsed(this);
  };

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
