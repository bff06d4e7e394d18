// Diagnostics of a document: one error per bad line, worded exactly as `mbm validate` words it
// (parseLogLine's message, control characters neutralised), and warnings for contradictory
// timestamps (consistency.ts). Capped, because a wholly corrupt 50 MB file would otherwise send a
// few hundred thousand diagnostics that the Problems panel cannot show anyway.
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver';
import type { LogDocument } from './documentModel';
import type { LineProblem } from './lineEntry';

export const MAX_DIAGNOSTICS = 5000;
export const SOURCE = 'mbm';

function toDiagnostic(line: number, p: LineProblem): Diagnostic {
  return {
    range: { start: { line, character: p.start }, end: { line, character: p.end } },
    severity: p.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    source: SOURCE,
    code: p.code,
    message: p.message,
  };
}

export function documentDiagnostics(doc: LogDocument, max = MAX_DIAGNOSTICS): Diagnostic[] {
  const out: Diagnostic[] = [];
  let hidden = 0;
  let firstHidden = -1;
  const add = (line: number, p: LineProblem) => {
    if (out.length < max) out.push(toDiagnostic(line, p));
    else if (hidden++ === 0) firstHidden = line;
  };
  for (let i = 0; i < doc.lineCount; i++) {
    const e = doc.entry(i);
    if (e?.state === 'bad') add(i, e.problem);
    else if (e?.state === 'record' && e.warnings) for (const w of e.warnings) add(i, w);
  }
  if (hidden > 0) {
    out.push({
      range: { start: { line: firstHidden, character: 0 }, end: { line: firstHidden, character: 0 } },
      severity: DiagnosticSeverity.Information,
      source: SOURCE,
      code: 'too-many-problems',
      message: `${hidden} more problems from this line on are not shown (limit ${max}); run \`mbm validate\` for all of them`,
    });
  }
  return out;
}
