// Outline: one entry per streak (computeStreaks), its records as children; a streak of one record is
// just that record. Names are plain text built from validated enum values and numbers only.
import { SymbolKind, type DocumentSymbol, type Range } from 'vscode-languageserver';
import type { LogDocument } from './documentModel';
import type { RecordSummary } from './lineEntry';
import { streakIndexOf } from './streakIndex';
import { blockRange, streakSummary } from './summary';

/** The Outline view slows to a crawl long before this; past it the rest is summarised in one entry. */
export const MAX_SYMBOLS = 10_000;

function lineRange(doc: LogDocument, line: number): Range {
  return { start: { line, character: 0 }, end: { line, character: doc.lineText(line).length } };
}

function recordSymbol(doc: LogDocument, line: number, r: RecordSummary): DocumentSymbol {
  const range = lineRange(doc, line);
  return {
    name: `#${r.block_number} ${r.kind}`,
    detail: `${r.reason} · ${r.severity}${r.recovered ? ' · recovered' : ''}`,
    kind: SymbolKind.Event,
    range,
    selectionRange: range,
  };
}

export function documentSymbols(doc: LogDocument, max = MAX_SYMBOLS): DocumentSymbol[] {
  const out: DocumentSymbol[] = [];
  let used = 0;
  const { groups } = streakIndexOf(doc);
  for (let g = 0; g < groups.length; g++) {
    const { streak, lines, worst } = groups[g];
    const records = lines.map((l) => {
      const e = doc.entry(l);
      return e?.state === 'record' ? recordSymbol(doc, l, e.record) : undefined;
    });
    const children = records.filter((s): s is DocumentSymbol => s !== undefined);
    if (used + 1 + (children.length > 1 ? children.length : 0) > max) {
      const rest = groups.length - g;
      const range = lineRange(doc, lines[0]);
      out.push({ name: `… ${rest} more streaks`, detail: `outline limited to ${max} entries`, kind: SymbolKind.Null, range, selectionRange: range });
      break;
    }
    if (children.length === 1) {
      out.push(children[0]);
      used++;
      continue;
    }
    const first = lineRange(doc, lines[0]);
    const last = lineRange(doc, lines[lines.length - 1]);
    out.push({
      name: `${blockRange(streak)} streak`,
      detail: `${streakSummary(streak)} · worst ${worst}`,
      kind: SymbolKind.Array,
      range: { start: first.start, end: last.end },
      selectionRange: first,
      children,
    });
    used += 1 + children.length;
  }
  return out;
}
