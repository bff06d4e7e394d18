// How times read in hovers and CodeLens: UTC ISO to the second, and short human durations.

/** 1640995200 → 2022-01-01T00:00:00Z; a value no Date can hold is shown as the number. */
export function isoUtc(unix: number): string {
  const d = new Date(unix * 1000);
  return Number.isNaN(d.getTime()) ? String(unix) : d.toISOString().replace('.000Z', 'Z');
}

const UNITS: [string, number][] = [
  ['d', 86_400],
  ['h', 3_600],
  ['min', 60],
  ['s', 1],
];

/** 72 → "1 min 12 s"; the two most significant units, so "3 d 4 h" rather than every unit. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds < 0) return `-${duration(-seconds)}`;
  let rest = Math.round(seconds);
  if (rest === 0) return '0 s';
  const parts: string[] = [];
  for (const [name, size] of UNITS) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)} ${name}`);
      rest %= size;
    } else if (parts.length > 0) {
      break; // "1 h 0 min 5 s" would read worse than "1 h"
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

/** Relative to now: "3 min ago", "in 2 h", "now". */
export function relative(unix: number, nowSec: number): string {
  const d = Math.round(nowSec - unix);
  if (d === 0) return 'now';
  return d > 0 ? `${duration(d)} ago` : `in ${duration(-d)}`;
}
