// Which records a user asked for, from CLI flags or HTTP query parameters. Values arrive as text
// and are checked here once, with an error that names the option and the allowed values, so
// every front end rejects `--severity hgih` the same way.
import { MISSED_BLOCK_KINDS, MISSED_BLOCK_REASONS, MISSED_BLOCK_SEVERITIES, type MissedBlock, type MissedBlockKind, type MissedBlockReason, type MissedBlockSeverity } from './model';

export interface RecordFilter {
  /** Inclusive block range. */
  from?: number;
  to?: number;
  reason?: MissedBlockReason[];
  severity?: MissedBlockSeverity[];
  /** A record without `kind` counts as 'gap', as recordKey() does. */
  kind?: MissedBlockKind[];
  /** Exact `source` labels. */
  source?: string[];
}

/** Raw values as a CLI or query string gives them: one value, a comma list, or repeats. */
export interface RawFilter {
  from?: string | number;
  to?: string | number;
  reason?: string | readonly string[];
  severity?: string | readonly string[];
  kind?: string | readonly string[];
  source?: string | readonly string[];
}

/** A filter value that is not allowed; the message is one line, naming the option. */
export class FilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FilterError';
  }
}

function blockNumber(name: string, v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) throw new FilterError(`${name} must be a block number (a whole number ≥ 0), got ${JSON.stringify(String(v))}`);
  return Number(s);
}

function list(v: string | readonly string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const items = (typeof v === 'string' ? [v] : v).flatMap((x) => x.split(',')).map((x) => x.trim()).filter((x) => x !== '');
  return items.length ? items : undefined;
}

/** Matches names case-insensitively ("high" → "High") and rejects unknown ones. */
function names<T extends string>(name: string, allowed: readonly T[], v: string | readonly string[] | undefined): T[] | undefined {
  const items = list(v);
  if (!items) return undefined;
  return items.map((item) => {
    const hit = allowed.find((a) => a.toLowerCase() === item.toLowerCase());
    if (!hit) throw new FilterError(`${name} must be one of ${allowed.join(', ')}; got ${JSON.stringify(item)}`);
    return hit;
  });
}

/**
 * Checks and normalises raw values; throws FilterError on the first bad one. `prefix` is how the
 * caller's users spell a parameter in messages: '--' for the CLI, '' for query parameters.
 */
export function parseFilter(raw: RawFilter, prefix = '--'): RecordFilter {
  const f: RecordFilter = {
    from: blockNumber(`${prefix}from`, raw.from),
    to: blockNumber(`${prefix}to`, raw.to),
    reason: names(`${prefix}reason`, MISSED_BLOCK_REASONS, raw.reason),
    severity: names(`${prefix}severity`, MISSED_BLOCK_SEVERITIES, raw.severity),
    kind: names(`${prefix}kind`, MISSED_BLOCK_KINDS, raw.kind),
    source: list(raw.source),
  };
  if (f.from !== undefined && f.to !== undefined && f.from > f.to) throw new FilterError(`${prefix}from (${f.from}) is after ${prefix}to (${f.to})`);
  for (const k of Object.keys(f) as (keyof RecordFilter)[]) if (f[k] === undefined) delete f[k];
  return f;
}

export function isEmptyFilter(f: RecordFilter): boolean {
  return Object.values(f).every((v) => v === undefined);
}

/** The predicate for a checked filter. */
export function compileFilter(f: RecordFilter): (r: MissedBlock) => boolean {
  const reasons = f.reason && new Set<string>(f.reason);
  const severities = f.severity && new Set<string>(f.severity);
  const kinds = f.kind && new Set<string>(f.kind);
  const sources = f.source && new Set<string>(f.source);
  const from = f.from ?? -Infinity;
  const to = f.to ?? Infinity;
  return (r) =>
    r.block_number >= from &&
    r.block_number <= to &&
    (!reasons || reasons.has(r.reason)) &&
    (!severities || severities.has(r.severity)) &&
    (!kinds || kinds.has(r.kind ?? 'gap')) &&
    (!sources || (r.source !== undefined && sources.has(r.source)));
}
