// The early warning as the status bar and the tree say it: one function, so both always agree.
// "at risk" once the score reached the threshold, with the top reasons; otherwise the score only.
import { cleanText } from './format';
import type { LiveRisk } from './live';

export interface RiskView {
  atRisk: boolean;
  /** "at risk (0.82)" or "low (0.12)". */
  label: string;
  /** The reasons, cleaned, strongest first. */
  reasons: string[];
  /** "at risk (0.82): head 3 blocks behind peers; head lag growing" (the reasons only when at risk). */
  line: string;
  /** Plain text: what the score means, its threshold and the endpoint. */
  tooltip: string;
}

export function riskView(r: LiveRisk): RiskView {
  const atRisk = r.above > 0;
  const score = r.score.toFixed(2);
  const reasons = r.reasons.map((x) => cleanText(x, 120));
  const label = atRisk ? `at risk (${score})` : `low (${score})`;
  const line = atRisk && reasons.length ? `${label}: ${reasons.join('; ')}` : label;
  const tooltip = [
    `Chance of a missed block within the next few slots: ${score} (at risk from ${r.threshold}).`,
    atRisk ? `At risk for ${r.above} round${r.above === 1 ? '' : 's'} (about one per slot).` : 'Below the threshold.',
    ...(reasons.length ? [`Strongest signals: ${reasons.join('; ')}.`] : []),
    `Endpoint: ${cleanText(r.source, 80)}.`,
  ].join('\n');
  return { atRisk, label, reasons, line, tooltip };
}
