// How the views write times, durations, rates and text taken from a log. Pure (no vscode), so the
// exact strings are testable. A log is untrusted input: every string from it goes through
// cleanText before it reaches a label or tooltip.
import { safeText } from '../../node/consoleText';

/** Control and bidi-override characters neutralised, cut to `max` characters. */
export function cleanText(v: unknown, max = 120): string {
  const s = safeText(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * An integer with thousands separators (1,000,000), as toLocaleString('en-US') writes it without
 * its cost: the host's first Intl number format loads ICU data (~25 ms, a tree refresh's budget).
 */
export function groupDigits(n: number): string {
  const digits = String(Math.trunc(Math.abs(n))).replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 ? `-${digits}` : digits;
}

/** `2022-01-01 00:00:00 UTC` */
export function utcTime(unix: number): string {
  const d = new Date(unix * 1000);
  if (Number.isNaN(d.getTime())) return String(unix);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export interface LocalTimeOptions {
  /** BCP 47 locale; default the host's. */
  locale?: string;
  /** IANA zone; default the host's. Tests pin it. */
  timeZone?: string;
}

/** The same instant in the user's zone, named (`2022-01-01, 01:00:00 CET`). */
/** Formatters by locale and zone: building one costs about a millisecond, and the tree formats thousands of times. */
const formatters = new Map<string, Intl.DateTimeFormat>();

export function localTime(unix: number, o: LocalTimeOptions = {}): string {
  const d = new Date(unix * 1000);
  if (Number.isNaN(d.getTime())) return String(unix);
  const key = `${o.locale ?? ''}\u0000${o.timeZone ?? ''}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(o.locale, {
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZone: o.timeZone,
      timeZoneName: 'short',
    });
    if (formatters.size >= 16) formatters.clear();
    formatters.set(key, f);
  }
  return f.format(d);
}

/** `2022-01-01 00:00:00 UTC (2022-01-01, 01:00:00 CET)` */
export function bothTimes(unix: number, o: LocalTimeOptions = {}): string {
  return `${utcTime(unix)} (${localTime(unix, o)})`;
}

/** Whole seconds as `0 s`, `45 s`, `2 min 5 s`, `1 h 3 min`, `2 d 4 h`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  if (s < 86_400) {
    const m = Math.floor((s % 3600) / 60);
    return `${Math.floor(s / 3600)} h${m ? ` ${m} min` : ''}`;
  }
  const h = Math.floor((s % 86_400) / 3600);
  return `${Math.floor(s / 86_400)} d${h ? ` ${h} h` : ''}`;
}

/** 0–100 → `12.34%`. */
export function percent(v: number): string {
  return `${(Number.isFinite(v) ? v : 0).toFixed(2)}%`;
}

/** `#100` or `#100–#104`. */
export function blockRange(from: number, to: number): string {
  return from === to ? `#${from}` : `#${from}–#${to}`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
