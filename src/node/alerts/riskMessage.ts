// What a sustained early-warning risk says on the alert channels (the rule deciding when is
// core/risk/riskAlerts.ts). Nothing was missed yet, so it is a Medium warning, and it names the
// signals behind the score. Same AlertMessage shape as a streak's, with `risk` instead of `streak`.
import { formatUtc } from '../../core/alertText';
import type { RiskIncident } from '../../core/risk/riskAlerts';
import { formatDuration, idempotencyKey, sourceName, type AlertMessage, type AlertSource, type RiskFacts } from './message';

export const RISK_SEVERITY = 'Medium' as const;

export function riskIncidentKey(s: AlertSource, startedAt: number): string {
  return `${s.chain_id ?? 'unknown'}/${s.label}/risk-${startedAt}`;
}

function facts(inc: RiskIncident, endedAt?: number): RiskFacts {
  return { score: inc.score, max_score: inc.maxScore, slots: inc.rounds, reasons: [...inc.reasons], started_at: inc.startedAt, ...(endedAt !== undefined ? { ended_at: endedAt } : {}) };
}

export function riskAlertMessage(o: { incident: RiskIncident; source: AlertSource; nowMs: number }): AlertMessage {
  const inc = o.incident;
  const why = inc.reasons.length ? inc.reasons.join('; ') : 'no single signal stands out';
  const text = [
    `⚠️ AT RISK: missed blocks likely within the next slots`,
    `Risk: ${inc.score} (at or above the threshold for ${inc.rounds} slots)`,
    `Why: ${why}`,
    `Since: ${formatUtc(inc.startedAt)}`,
    `Source: ${sourceName(o.source)}`,
  ].join('\n');
  return {
    id: idempotencyKey(inc.key, 'alert'),
    kind: 'alert',
    incident: inc.key,
    source: o.source,
    severity: RISK_SEVERITY,
    created_at: o.nowMs,
    title: `⚠️ At risk of missing blocks for ${inc.rounds} slots (risk ${inc.score}): ${inc.reasons[0] ?? why} — ${sourceName(o.source)}`,
    text,
    risk: facts(inc),
  };
}

export function riskResolveMessage(o: { incident: RiskIncident; source: AlertSource; endedAt: number; nowMs: number }): AlertMessage {
  const inc = o.incident;
  const lasted = formatDuration(o.endedAt - inc.startedAt);
  const text = [
    `✅ RESOLVED: risk of missing blocks back below the threshold`,
    `Lasted: ${lasted}`,
    `Highest risk: ${inc.maxScore}`,
    `Time: ${formatUtc(o.endedAt)}`,
    `Source: ${sourceName(o.source)}`,
  ].join('\n');
  return {
    id: idempotencyKey(inc.key, 'resolve'),
    kind: 'resolve',
    incident: inc.key,
    source: o.source,
    severity: RISK_SEVERITY,
    created_at: o.nowMs,
    title: `✅ Resolved: risk of missing blocks over after ${lasted} (highest ${inc.maxScore}) — ${sourceName(o.source)}`,
    text,
    risk: facts(inc, o.endedAt),
  };
}
