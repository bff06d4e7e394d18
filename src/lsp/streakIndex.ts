// The streaks of a document, for hover, outline, folding and CodeLens. The grouping itself is
// computeStreaks (src/core/streaks.ts), the one streak definition; this module only maps its
// answer back onto lines. Like `mbm report`, it sees each (block_number, kind) once: the last line
// written for it (a record is written again when it is recovered).
//
// Appends are the common change to a log, and rebuilding everything for each one cost hundreds of
// milliseconds on a 50 MB log. So when every change since the last build lies at or after the old
// last line, only the streaks the new records touch (contain, or border by one block) are handed to
// computeStreaks again, with the records they hold. That is exact: a streak that neither holds nor
// borders a new block is still separated from them by a missing block, and a rewrite keeps its
// block, so nothing can split.
import { maxSeverity, type MissedBlockSeverity } from '../core/model';
import { computeStreaks, type Streak } from '../core/streaks';
import type { LogDocument } from './documentModel';
import type { RecordSummary } from './lineEntry';

export interface StreakGroup {
  streak: Streak;
  /** Lines of the records in it, ascending. */
  lines: number[];
  worst: MissedBlockSeverity;
}

export interface StreakIndex {
  /** Ordered by first line. */
  groups: StreakGroup[];
  /** The streak a line's record belongs to (a superseded line: its block's streak). */
  groupOfLine(line: number): StreakGroup | undefined;
  /** For a line a later line replaces: the line that counts now. */
  supersededBy(line: number): number | undefined;
}

const NOT_RECORD = -2;
const LAST = -1;

/** Everything needed to extend the index by appended lines. */
interface State {
  generation: number;
  lineCount: number;
  /** Key → the last line holding it. */
  lastOfKey: Map<number | string, number>;
  /** Line → the next line with the same key; LAST when none; NOT_RECORD for other lines. */
  next: Int32Array;
  /** Ascending by block (computeStreaks' order). */
  byBlock: StreakGroup[];
  index: StreakIndex;
}

const recordAt = (doc: LogDocument, line: number): RecordSummary => (doc.entry(line) as { record: RecordSummary }).record;

/** Streaks of the records on `lines` (ascending), as groups. */
function group(doc: LogDocument, all: readonly number[]): StreakGroup[] {
  // A chain reset is no missed block: it belongs to no streak (computeStreaks leaves it out too).
  const lines = all.filter((l) => recordAt(doc, l).kind !== 'chain_reset');
  const records = lines.map((l) => recordAt(doc, l));
  const { streaks } = computeStreaks(records);
  const groups: StreakGroup[] = streaks.map((streak) => ({ streak, lines: [], worst: 'Low' }));
  records.forEach((r, k) => {
    const g = groups[findBlock(groups, r.block_number)];
    g.lines.push(lines[k]);
    g.worst = maxSeverity(g.worst, r.severity);
  });
  return groups;
}

/** Index of the last group whose first block is ≤ block (−1 when none). */
function findBlock(byBlock: readonly StreakGroup[], block: number): number {
  let lo = 0;
  let hi = byBlock.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (byBlock[mid].streak.fromBlock <= block) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Links every record line from `from` on into the key chains; returns the lines it linked. */
function link(doc: LogDocument, s: Pick<State, 'lastOfKey' | 'next'>, from: number, to: number): number[] {
  const linked: number[] = [];
  for (let i = from; i < to; i++) {
    const e = doc.entry(i);
    if (e?.state !== 'record') continue;
    const prev = s.lastOfKey.get(e.record.key);
    if (prev !== undefined) s.next[prev] = i;
    s.next[i] = LAST;
    s.lastOfKey.set(e.record.key, i);
    linked.push(i);
  }
  return linked;
}

function finish(doc: LogDocument, generation: number, lastOfKey: State['lastOfKey'], next: Int32Array, byBlock: StreakGroup[]): State {
  const n = doc.lineCount;
  const groupOf = new Int32Array(n).fill(-1);
  byBlock.forEach((g, k) => {
    for (const l of g.lines) groupOf[l] = k;
  });
  const final = (line: number): number => {
    if (line < 0 || line >= n || next[line] === NOT_RECORD) return -1;
    let l = line;
    while (next[l] !== LAST) l = next[l];
    return l;
  };
  const index: StreakIndex = {
    groups: [...byBlock].sort((a, b) => a.lines[0] - b.lines[0]),
    groupOfLine: (line) => {
      const f = final(line);
      return f >= 0 && groupOf[f] >= 0 ? byBlock[groupOf[f]] : undefined;
    },
    supersededBy: (line) => {
      const f = final(line);
      return f >= 0 && f !== line ? f : undefined;
    },
  };
  return { generation, lineCount: n, lastOfKey, next, byBlock, index };
}

export function buildFull(doc: LogDocument): State {
  const n = doc.lineCount;
  const s = { lastOfKey: new Map<number | string, number>(), next: new Int32Array(n).fill(NOT_RECORD) };
  const lines = link(doc, s, 0, n).filter((l) => s.next[l] === LAST);
  return finish(doc, doc.generation, s.lastOfKey, s.next, group(doc, lines));
}

/** The old state extended by lines [old.lineCount - 1, end); undefined when that is not exact. */
function extend(doc: LogDocument, old: State): State | undefined {
  const from = old.lineCount - 1;
  // The old last line changed too: fine while it held no record (the usual empty line after '\n').
  if (from < 0 || doc.touchedSince(old.generation) < from || old.next[from] !== NOT_RECORD || doc.lineCount < old.lineCount) return undefined;
  const n = doc.lineCount;
  const next = new Int32Array(n).fill(NOT_RECORD);
  next.set(old.next.subarray(0, from));
  const s = { lastOfKey: old.lastOfKey, next };
  const added = link(doc, s, from, n);
  if (added.length === 0) return finish(doc, doc.generation, old.lastOfKey, next, old.byBlock);

  // Streaks that hold or border a new block; the new records and theirs are regrouped.
  const hit = new Set<StreakGroup>();
  for (const line of added) {
    const b = recordAt(doc, line).block_number;
    const k = findBlock(old.byBlock, b + 1);
    for (const j of [k, k - 1]) {
      const g = old.byBlock[j];
      if (g && g.streak.fromBlock - 1 <= b && b <= g.streak.toBlock + 1) hit.add(g);
    }
  }
  const lines = [...hit].flatMap((g) => g.lines).concat(added).filter((l) => next[l] === LAST).sort((a, b) => a - b);
  const byBlock = old.byBlock.filter((g) => !hit.has(g)).concat(group(doc, lines));
  byBlock.sort((a, b) => a.streak.fromBlock - b.streak.fromBlock);
  return finish(doc, doc.generation, old.lastOfKey, next, byBlock);
}

const cache = new WeakMap<LogDocument, State>();
/** How often each path ran (read by the tests to prove appends take the short one). */
export const builds = { full: 0, extended: 0 };

/** The document's streaks; built once per generation, and after an append only extended. */
export function streakIndexOf(doc: LogDocument): StreakIndex {
  const old = cache.get(doc);
  if (old && old.generation === doc.generation) return old.index;
  let state = old && doc.pendingLines === 0 ? extend(doc, old) : undefined;
  if (state) builds.extended++;
  else {
    state = buildFull(doc);
    builds.full++;
  }
  // A half-parsed document (callers normally wait for whenParsed) must not pin a partial answer.
  if (doc.pendingLines === 0) cache.set(doc, state);
  else cache.delete(doc);
  return state.index;
}
