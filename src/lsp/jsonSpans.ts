// Where each top-level member's value sits on a log line, so a diagnostic can underline the value it
// is about. JSON.parse keeps no positions; this is a small scanner that only tracks strings and
// nesting depth. It is run only for lines that have a problem, never for every line.

export interface Span {
  start: number;
  end: number;
}

/** Top-level member name → its value's [start, end) on the line; tolerant of a torn line. */
export function topLevelValueSpans(text: string): Map<string, Span> {
  const spans = new Map<string, Span>();
  let i = text.indexOf('{');
  if (i < 0) return spans;
  i++;
  const n = text.length;
  const skipWs = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r' || text[i] === '\n')) i++;
  };
  /** i at an opening quote → i just after the closing one (or at the end of a torn line). */
  const skipString = () => {
    for (i++; i < n; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '"') {
        i++;
        return;
      }
    }
  };
  while (i < n) {
    skipWs();
    if (text[i] !== '"') return spans;
    const keyStart = i;
    skipString();
    let key: string;
    try {
      key = JSON.parse(text.slice(keyStart, i)) as string;
    } catch {
      return spans;
    }
    skipWs();
    if (text[i] !== ':') return spans;
    i++;
    skipWs();
    const start = i;
    let depth = 0;
    let end = i;
    while (i < n) {
      const c = text[i];
      if (c === '"') {
        skipString();
        end = i;
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0) break;
        depth--;
      } else if (c === ',' && depth === 0) break;
      i++;
      if (c !== ' ' && c !== '\t') end = i;
    }
    if (!spans.has(key)) spans.set(key, { start, end: Math.max(end, start) });
    if (text[i] !== ',') return spans;
    i++;
  }
  return spans;
}
