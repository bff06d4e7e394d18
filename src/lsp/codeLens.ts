// A CodeLens above the first record of every streak of two or more: "5 blocks · 1 min 12 s ·
// 3 recovered". Its command (SHOW_STREAK_COMMAND) is run by the server itself, which shows the
// streak's details as a message (streakMessage); no client needs to know it.
//
// The editor asks for every lens of the document at once. A 50 MB log can hold tens of thousands of
// streaks, and sending them all costs seconds of serialisation for lenses nobody scrolls to, so
// past MAX_CODE_LENSES only the longest streaks keep theirs (the ones worth a glance).
import type { CodeLens } from 'vscode-languageserver';
import { SHOW_STREAK_COMMAND } from '../common/lspProtocol';
import type { LogDocument } from './documentModel';
import { streakIndexOf, type StreakGroup } from './streakIndex';
import { blockRange, streakSummary } from './summary';

export const MAX_CODE_LENSES = 5000;

export function codeLenses(doc: LogDocument, max = MAX_CODE_LENSES): CodeLens[] {
  let groups: StreakGroup[] = streakIndexOf(doc).groups.filter((g) => g.streak.length >= 2);
  if (groups.length > max) {
    // Longest first, later (more recent) first among equals; then back into file order.
    const keep = new Set([...groups].sort((a, b) => b.streak.length - a.streak.length || b.lines[0] - a.lines[0]).slice(0, max));
    groups = groups.filter((g) => keep.has(g));
  }
  return groups.map(({ streak, lines }) => ({
    range: { start: { line: lines[0], character: 0 }, end: { line: lines[0], character: 0 } },
    command: { title: streakSummary(streak), command: SHOW_STREAK_COMMAND, arguments: [doc.uri, lines[0]] },
  }));
}

/** What running a lens shows: "Streak #100–#104: 5 blocks · 1 min 12 s · 3 recovered · worst Critical · lines 2–8". */
export function streakMessage(doc: LogDocument, line: number): string | undefined {
  const g = streakIndexOf(doc).groupOfLine(line);
  if (!g) return undefined;
  const first = g.lines[0] + 1;
  const last = g.lines[g.lines.length - 1] + 1;
  return `Streak ${blockRange(g.streak)}: ${streakSummary(g.streak)} · worst ${g.worst} · ${first === last ? `line ${first}` : `lines ${first}–${last}`}`;
}
