// What the user narrowed the dashboard to. Lists are inclusive and an empty list means "all", so
// a fresh dashboard shows everything and a filter never hides a reason that appears later.
import { MISSED_BLOCK_SEVERITIES } from '../../core/model';
import type { DashRecord } from './wire';

export interface Filter {
  reasons: string[];
  /** Severity names (Low…Critical). */
  severities: string[];
  /** Source labels; '' stands for records that name no source. */
  sources: string[];
}

/** Inclusive range of detection times (unix s); null = everything. */
export interface TimeRange {
  from: number;
  to: number;
}

export interface ViewSettings {
  filter: Filter;
  range: TimeRange | null;
}

export function emptyFilter(): Filter {
  return { reasons: [], severities: [], sources: [] };
}

export function defaultView(): ViewSettings {
  return { filter: emptyFilter(), range: null };
}

/** A compiled filter: set look-ups instead of array scans per record. */
export interface Matcher {
  (r: DashRecord): boolean;
}

export function matcher(v: ViewSettings): Matcher {
  const reasons = v.filter.reasons.length ? new Set(v.filter.reasons) : undefined;
  const sev = v.filter.severities.length ? new Set(v.filter.severities.map((s) => MISSED_BLOCK_SEVERITIES.indexOf(s as never))) : undefined;
  const sources = v.filter.sources.length ? new Set(v.filter.sources) : undefined;
  const range = v.range;
  return (r) =>
    (!reasons || reasons.has(r.reason)) &&
    (!sev || sev.has(r.severity)) &&
    (!sources || sources.has(r.source)) &&
    (!range || (r.timestamp >= range.from && r.timestamp <= range.to));
}

/**
 * Settings from an untrusted place (webview state, a message) made safe to use: unknown shapes
 * become the defaults, strings stay strings, a reversed range is put in order.
 */
export function sanitizeView(v: unknown): ViewSettings {
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  const f = (o.filter && typeof o.filter === 'object' ? o.filter : {}) as Record<string, unknown>;
  const strings = (x: unknown) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string').slice(0, 200) : []);
  const r = o.range as Record<string, unknown> | null | undefined;
  let range: TimeRange | null = null;
  if (r && typeof r === 'object' && Number.isFinite(r.from) && Number.isFinite(r.to)) {
    const a = r.from as number;
    const b = r.to as number;
    range = { from: Math.min(a, b), to: Math.max(a, b) };
  }
  return { filter: { reasons: strings(f.reasons), severities: strings(f.severities), sources: strings(f.sources) }, range };
}
