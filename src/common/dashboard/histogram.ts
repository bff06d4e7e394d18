// Recovery-time buckets: roughly logarithmic, because recoveries range from a retry a second later
// to an outage of an hour, and equal-width buckets would put nearly everything in the first one.

/** Lower edges in ms; bucket i is [EDGES[i], EDGES[i+1]), the last one open-ended. */
export const RECOVERY_EDGES_MS = [0, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000] as const;

export function recoveryBucket(ms: number): number {
  let i = 0;
  while (i + 1 < RECOVERY_EDGES_MS.length && ms >= RECOVERY_EDGES_MS[i + 1]) i++;
  return i;
}

function short(ms: number): string {
  if (ms < 60_000) return `${ms / 1000}s`;
  if (ms < 3_600_000) return `${ms / 60_000}m`;
  return `${ms / 3_600_000}h`;
}

/** "<1s", "1s–2s", … "≥1h". */
export function recoveryBucketLabel(i: number): string {
  const lo = RECOVERY_EDGES_MS[i];
  const hi = RECOVERY_EDGES_MS[i + 1];
  if (i === 0) return `<${short(hi)}`;
  if (hi === undefined) return `≥${short(lo)}`;
  return `${short(lo)}–${short(hi)}`;
}
