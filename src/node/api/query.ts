// Query-string checks shared by the routes: unknown or repeated parameters are refused with a
// reason rather than ignored, so a typo (`?severty=High`) never silently returns everything.
import { FilterError, parseFilter, type RecordFilter } from '../../core/recordFilter';
import { HttpError } from './respond';

/** Throws 400 for a parameter not in `allowed`, or a repeat of one not in `repeatable`. */
export function checkParams(q: URLSearchParams, allowed: readonly string[], repeatable: readonly string[] = []): void {
  const seen = new Set<string>();
  for (const name of q.keys()) {
    if (!allowed.includes(name)) {
      throw new HttpError(400, allowed.length ? `unknown query parameter ${JSON.stringify(name)} (allowed: ${allowed.join(', ')})` : `this endpoint takes no query parameters, got ${JSON.stringify(name)}`);
    }
    if (seen.has(name) && !repeatable.includes(name)) throw new HttpError(400, `query parameter ${JSON.stringify(name)} given more than once`);
    seen.add(name);
  }
}

/** `format` among `allowed` (case-insensitive, as the CLI's --format); `fallback` when absent. */
export function formatParam<T extends string>(q: URLSearchParams, allowed: readonly T[], fallback: T): T {
  const v = q.get('format');
  if (v === null) return fallback;
  const hit = allowed.find((a) => a === v.toLowerCase());
  if (!hit) throw new HttpError(400, `format must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return hit;
}

export const FILTER_PARAMS = ['from', 'to', 'reason', 'severity', 'kind', 'source'] as const;
/** Like the CLI's repeatable flags: `?severity=High&severity=Critical` (or a comma list). */
export const REPEATABLE_FILTER_PARAMS = ['reason', 'severity', 'kind', 'source'];

/** The `mbm export` filters from query parameters, checked by the same parser as the CLI flags. */
export function filterParams(q: URLSearchParams): RecordFilter {
  const list = (name: string) => (q.has(name) ? q.getAll(name) : undefined);
  try {
    return parseFilter(
      { from: q.get('from') ?? undefined, to: q.get('to') ?? undefined, reason: list('reason'), severity: list('severity'), kind: list('kind'), source: list('source') },
      '',
    );
  } catch (err) {
    if (err instanceof FilterError) throw new HttpError(400, err.message);
    throw err;
  }
}
