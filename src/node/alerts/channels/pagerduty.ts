// PagerDuty Events API v2 (POST https://events.pagerduty.com/v2/enqueue): an incident is triggered
// with dedup_key = our incident key, so a resend (retry, restart) updates the same PagerDuty alert,
// and the resolve sends event_action "resolve" with that key. PagerDuty answers 202
// {"status":"success","message":"Event processed","dedup_key":…}; 400 is a malformed event
// (permanent), 429 and 5xx are retried.
import { postJson } from '../http';
import { sourceName, type AlertMessage } from '../message';
import type { MissedBlockSeverity } from '../../../core/model';
import { IDEMPOTENCY_HEADER, type Channel } from './types';

/** PagerDuty's four severities. */
export const PAGERDUTY_SEVERITY: Record<MissedBlockSeverity, 'critical' | 'error' | 'warning' | 'info'> = {
  Critical: 'critical',
  High: 'error',
  Medium: 'warning',
  Low: 'info',
};

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function pagerdutyPayload(msg: AlertMessage, routingKey: string): Record<string, unknown> {
  const dedupKey = msg.incident ?? msg.id;
  if (msg.kind === 'resolve') return { routing_key: routingKey, event_action: 'resolve', dedup_key: dedupKey };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: dedupKey,
    payload: {
      summary: clip(msg.title, 1024),
      source: sourceName(msg.source),
      severity: msg.kind === 'summary' ? 'info' : PAGERDUTY_SEVERITY[msg.severity],
      timestamp: new Date(msg.created_at).toISOString(),
      component: msg.source.label,
      group: msg.source.chain_id === undefined ? 'unknown chain' : `chain ${msg.source.chain_id}`,
      class: msg.kind === 'summary' ? 'throttled alerts' : msg.risk ? 'missed block risk' : 'missed blocks',
      custom_details: { text: msg.text, ...(msg.streak ? { streak: msg.streak } : {}), ...(msg.record ? { record: msg.record } : {}), ...(msg.risk ? { risk: msg.risk } : {}), idempotency_key: msg.id },
    },
  };
}

export class PagerDutyChannel implements Channel {
  readonly id = 'pagerduty' as const;

  constructor(
    private readonly o: { url: string; routingKey: string },
    private readonly timeoutMs: number,
  ) {}

  async send(msg: AlertMessage, signal: AbortSignal): Promise<void> {
    await postJson(this.o.url, pagerdutyPayload(msg, this.o.routingKey), { label: 'pagerduty', timeoutMs: this.timeoutMs, signal, headers: { [IDEMPOTENCY_HEADER]: msg.id } });
  }
}
