// Folding: each run of adjacent lines whose records belong to one streak folds from its first line
// to its last (blank lines inside a run do not break it; a bad line or another streak's record
// does). Runs, not a streak's first-to-last line: a record rewritten on recovery lands far below
// the rest of its streak, and a range stretched down to it would cross its neighbours' (editors
// drop crossing ranges).
import { FoldingRangeKind, type FoldingRange } from 'vscode-languageserver';
import type { LogDocument } from './documentModel';
import { streakIndexOf, type StreakGroup } from './streakIndex';

export function foldingRanges(doc: LogDocument): FoldingRange[] {
  const index = streakIndexOf(doc);
  const out: FoldingRange[] = [];
  let run: StreakGroup | undefined;
  let start = -1;
  let last = -1;
  const close = () => {
    if (run && last > start) out.push({ startLine: start, endLine: last, kind: FoldingRangeKind.Region });
    run = undefined;
  };
  for (let i = 0; i < doc.lineCount; i++) {
    const e = doc.entry(i);
    if (e?.state === 'blank') continue;
    const g = index.groupOfLine(i);
    if (g === undefined || g !== run) {
      close();
      run = g;
      start = i;
    }
    last = i;
  }
  close();
  return out;
}
