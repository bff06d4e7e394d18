// What the server keeps for one line of a log: blank, bad (with the one problem `mbm validate`
// reports for it) or a record (the few fields the features need, plus timestamp warnings).
// Ranges are kept as character offsets within the line, so an entry stays valid when lines above it
// are inserted or removed.
import { recordKey, type MissedBlock, type MissedBlockKind, type MissedBlockReason, type MissedBlockSeverity } from '../core/model';
import { numericKey } from '../node/log/keyscan';
import { MAX_LINE_BYTES, parseLogLine } from '../node/log/validate';
import { timestampProblems } from './consistency';
import { plainText } from './escape';
import { topLevelValueSpans, type Span } from './jsonSpans';

export interface LineProblem extends Span {
  severity: 'error' | 'warning';
  code: 'invalid-record' | 'inconsistent-timestamps';
  message: string;
}

/** Just what streaks, outline and CodeLens need; hovers re-parse the line for the rest. */
export interface RecordSummary {
  block_number: number;
  timestamp: number;
  recovered: boolean;
  severity: MissedBlockSeverity;
  reason: MissedBlockReason;
  kind: MissedBlockKind;
  /**
   * Later lines with the same key replace this one (docs/ARCHITECTURE.md: the last line of a key wins): recordKey's identity, as a
   * number when it fits (block_number * 4 + kind, as the reader's keyscan does; map lookups on
   * numbers are several times faster than on strings), else recordKey's string.
   */
  key: number | string;
}

export type LineEntry =
  | { state: 'blank' }
  | { state: 'bad'; problem: LineProblem }
  | { state: 'record'; record: RecordSummary; warnings?: LineProblem[] };

export const BLANK: LineEntry = Object.freeze({ state: 'blank' });

/** Same rule as the reader's isBlank: spaces, tabs and CRs only. */
const BLANK_LINE = /^[ \t\r]*$/;

/** From the first non-blank character to the end: what a problem without a position underlines. */
function wholeLine(text: string, from: number): Span {
  const start = Math.max(from, text.search(/[^ \t]/));
  return start < 0 || start >= text.length ? { start: 0, end: text.length } : { start, end: text.length };
}

/** A schema message starts with the field it is about ("severity: must be one of ..."). */
function fieldSpan(text: string, message: string): Span | undefined {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\.[^:]*)?: /.exec(message);
  return m ? topLevelValueSpans(text).get(m[1]) : undefined;
}

function badLine(text: string, offset: number, message: string, column?: number): LineEntry {
  let span: Span;
  if (column !== undefined) {
    // Exactly the column `mbm validate` prints; at the end of a torn line that is one past the text.
    const at = Math.max(0, Math.min(offset + column - 1, text.length));
    span = { start: at, end: Math.min(at + 1, text.length) };
  } else {
    span = fieldSpan(text, message) ?? wholeLine(text, offset);
  }
  // The CLI prints safeText(message); plainText is the same transformation.
  return { state: 'bad', problem: { ...span, severity: 'error', code: 'invalid-record', message: plainText(message) } };
}

function keyOf(r: MissedBlock): number | string {
  const k = numericKey(r.block_number, r.kind, r.slot);
  return k >= 0 ? k : recordKey(r);
}

function summary(r: MissedBlock): RecordSummary {
  return {
    block_number: r.block_number,
    timestamp: r.timestamp,
    recovered: r.recovered,
    severity: r.severity,
    reason: r.reason,
    kind: r.kind ?? 'gap',
    key: keyOf(r),
  };
}

/** A line's text without its line break. `firstLine` lets a UTF-8 BOM through, as the reader does. */
export function analyzeLine(text: string, firstLine: boolean): LineEntry {
  if (BLANK_LINE.test(text)) return BLANK;
  const offset = firstLine && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const body = offset ? text.slice(offset) : text;
  // The reader measures overlong lines in bytes before decoding; say it the way `mbm validate` does.
  if (body.length * 3 > MAX_LINE_BYTES) {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > MAX_LINE_BYTES) return badLine(text, offset, `line is ${bytes} bytes, longer than the ${MAX_LINE_BYTES} allowed`);
  }
  const p = parseLogLine(body);
  if (!p.ok) return badLine(text, offset, p.message, p.column);
  const problems = timestampProblems(p.record);
  if (problems.length === 0) return { state: 'record', record: summary(p.record) };
  const spans = topLevelValueSpans(text);
  const warnings = problems.map((w): LineProblem => ({
    ...(spans.get(w.field) ?? wholeLine(text, offset)),
    severity: 'warning',
    code: 'inconsistent-timestamps',
    message: w.message,
  }));
  return { state: 'record', record: summary(p.record), warnings };
}
