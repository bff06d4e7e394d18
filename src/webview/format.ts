// Numbers and times as the dashboard shows them (UTC, like the log and `mbm report`).

export const num = (n: number): string => n.toLocaleString('en-US');

export function when(unix: number): string {
  return new Date(unix * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = s / 60;
  if (m < 120) return `${m.toFixed(0)} min`;
  return `${(m / 60).toFixed(1)} h`;
}

export function percent(p: number | null): string {
  return p === null ? '–' : `${p.toFixed(2)}%`;
}
