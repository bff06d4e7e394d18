// Prometheus Alertmanager: POST <url>/api/v2/alerts with a list of postable alerts. An incident is
// one alert identified by its labels (alertname, severity, source, chain_id, incident); Alertmanager
// itself merges a repeat of the same labels (a retry, a resend after a restart) into the one alert.
// The resolve posts the same labels with endsAt. The incident's severity may have grown between the
// alert and the resolve, so the resolve ends the incident at every severity (ending an alert that
// does not exist is a no-op there). A throttle summary is not an alert: nothing is posted for it.
// A firing alert carries no endsAt: Alertmanager keeps it for its resolve_timeout unless resolved.
import { postJson } from '../http';
import type { AlertMessage } from '../message';
import { MISSED_BLOCK_SEVERITIES } from '../../../core/model';
import { IDEMPOTENCY_HEADER, type Channel } from './types';

export const ALERTNAME = 'MissedBlocks';

const iso = (unixS: number) => new Date(unixS * 1000).toISOString();

function labels(msg: AlertMessage, severity: string): Record<string, string> {
  return {
    alertname: ALERTNAME,
    severity: severity.toLowerCase(),
    source: msg.source.label,
    chain_id: msg.source.chain_id === undefined ? 'unknown' : String(msg.source.chain_id),
    incident: msg.incident ?? msg.id,
  };
}

export function alertmanagerPayload(msg: AlertMessage): Record<string, unknown>[] {
  if (msg.kind === 'summary') return [];
  const s = msg.streak;
  const annotations = {
    summary: msg.title,
    description: msg.text,
    ...(s ? { from_block: String(s.from_block), to_block: String(s.to_block), missed: String(s.length), recovered: String(s.recovered) } : {}),
    idempotency_key: msg.id,
  };
  const startsAt = s ? iso(s.started_at) : new Date(msg.created_at).toISOString();
  if (msg.kind === 'alert') return [{ labels: labels(msg, msg.severity), annotations, startsAt }];
  const endsAt = s?.ended_at !== undefined ? iso(s.ended_at) : new Date(msg.created_at).toISOString();
  return MISSED_BLOCK_SEVERITIES.map((sev) => ({ labels: labels(msg, sev), annotations, startsAt, endsAt }));
}

export class AlertmanagerChannel implements Channel {
  readonly id = 'alertmanager' as const;
  private readonly url: string;

  constructor(
    baseUrl: string,
    private readonly timeoutMs: number,
  ) {
    this.url = `${baseUrl.replace(/\/+$/, '')}/api/v2/alerts`;
  }

  async send(msg: AlertMessage, signal: AbortSignal): Promise<void> {
    const body = alertmanagerPayload(msg);
    if (body.length === 0) return;
    await postJson(this.url, body, { label: 'alertmanager', timeoutMs: this.timeoutMs, signal, headers: { [IDEMPOTENCY_HEADER]: msg.id } });
  }
}
