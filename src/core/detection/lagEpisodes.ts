// Head-lag episodes per endpoint: an endpoint more than `threshold` blocks behind the best one
// opens an episode (one record); a report with the lag back within the threshold closes it.
// Bounded: at most LAGGING_ENDPOINTS_MAX endpoints are remembered as lagging.

const LAGGING_ENDPOINTS_MAX = 256;

export class LagEpisodes {
  private readonly lagging = new Set<string>();

  constructor(readonly threshold: number) {}

  /** True when this report opens an episode for `label` (a record is due). */
  opens(label: string, lagBlocks: number): boolean {
    if (lagBlocks <= this.threshold) {
      this.lagging.delete(label);
      return false;
    }
    if (this.lagging.has(label)) return false;
    if (this.lagging.size >= LAGGING_ENDPOINTS_MAX) this.lagging.delete(this.lagging.values().next().value!);
    this.lagging.add(label);
    return true;
  }

  clear(): void {
    this.lagging.clear();
  }
}
