// What an alert says, independent of where it goes. One AlertMessage is built per event (an
// incident fired, an incident resolved, a throttle window's summary); each channel renders it
// (Slack blocks, Discord embed, mail...). It is also the webhook's JSON body and the line in
// alerts.jsonl, so its fields are snake_case like the log records. It holds no secret: it is
// persisted in the outbox as is.
import { createHash } from 'node:crypto';
import { formatAlertMessage, formatUtc } from '../../core/alertText';
import type { MissedBlock, MissedBlockKind, MissedBlockReason, MissedBlockSeverity } from '../../core/model';

export type AlertKind = 'alert' | 'resolve' | 'summary';

export interface AlertSource {
  /** Endpoint label (host:port, never the URL). */
  label: string;
  chain_id?: number;
}

export interface IncidentFacts {
  from_block: number;
  to_block: number;
  /** Missed events in the streak (computeStreaks' length). */
  length: number;
  recovered: number;
  /** Unix seconds: detection time of the first record. */
  started_at: number;
  /** Unix seconds: when the chain moved past the streak (resolve only). */
  ended_at?: number;
  duration_s?: number;
  max_severity: MissedBlockSeverity;
}

export interface AlertRecordFacts {
  block_number: number;
  kind?: MissedBlockKind;
  reason: MissedBlockReason;
  severity: MissedBlockSeverity;
  expected_timestamp: number;
  actual_timestamp: number;
  timestamp: number;
}

export interface SuppressedFacts {
  count: number;
  alerts: number;
  resolves: number;
  /** First incidents named (the rest are only counted in incident_count). */
  incidents: string[];
  incident_count: number;
  window_start: number;
  window_end: number;
}

export interface AlertMessage {
  /** Idempotency key: the same event always has the same key (receivers can dedupe on it). */
  id: string;
  kind: AlertKind;
  /** Dedup key of the incident: chain id + source + first block of the streak. */
  incident?: string;
  source: AlertSource;
  severity: MissedBlockSeverity;
  /** Unix ms when the event was decided. */
  created_at: number;
  title: string;
  text: string;
  streak?: IncidentFacts;
  record?: AlertRecordFacts;
  /** recordKey() of the records the alert covers (what alert_sent is set on). */
  record_keys?: string[];
  suppressed?: SuppressedFacts;
  /** A sustained early-warning risk (riskMessage.ts): what it scored and why. */
  risk?: RiskFacts;
}

export interface RiskFacts {
  /** Score of the round that alerted (alert) or the last one above the threshold (resolve), in [0, 1]. */
  score: number;
  max_score: number;
  /** Rounds (about one per slot) at or above the threshold. */
  slots: number;
  /** Strongest first. */
  reasons: string[];
  /** Unix seconds the run above the threshold started. */
  started_at: number;
  /** Unix seconds it fell back below (resolve only). */
  ended_at?: number;
}

export function idempotencyKey(...parts: (string | number)[]): string {
  return `mbm-${createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 32)}`;
}

export function sourceName(s: AlertSource): string {
  return s.chain_id !== undefined ? `chain ${s.chain_id} · ${s.label}` : s.label;
}

export function incidentKey(s: AlertSource, fromBlock: number): string {
  return `${s.chain_id ?? 'unknown'}/${s.label}/streak-${fromBlock}`;
}

function blocks(f: IncidentFacts): string {
  return f.from_block === f.to_block ? `block ${f.from_block}` : `blocks ${f.from_block}-${f.to_block}`;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const parts = [h ? `${h}h` : '', m ? `${m}m` : '', `${s % 60}s`].filter(Boolean);
  return parts.slice(0, 2).join(' ');
}

export function alertMessage(o: {
  incident: string;
  source: AlertSource;
  facts: IncidentFacts;
  latest: MissedBlock;
  recordKeys: string[];
  nowMs: number;
  threshold: number;
}): AlertMessage {
  const f = o.facts;
  const r = o.latest;
  // The relay's six lines first (tools that parse them keep working), then the streak and the source.
  const text = [formatAlertMessage(r, { length: f.length, fromBlock: f.from_block, toBlock: f.to_block }), `Source: ${sourceName(o.source)}`].join('\n');
  const what = f.length >= o.threshold ? `${f.length} consecutive missed (${blocks(f)})` : `${r.kind ?? 'gap'} ${r.reason} at ${blocks(f)}`;
  return {
    id: idempotencyKey(o.incident, 'alert'),
    kind: 'alert',
    incident: o.incident,
    source: o.source,
    severity: f.max_severity,
    created_at: o.nowMs,
    title: `🚨 ${f.max_severity}: ${what} — ${sourceName(o.source)}`,
    text,
    streak: f,
    record: {
      block_number: r.block_number,
      ...(r.kind ? { kind: r.kind } : {}),
      reason: r.reason,
      severity: r.severity,
      expected_timestamp: r.expected_timestamp,
      actual_timestamp: r.actual_timestamp,
      timestamp: r.timestamp,
    },
    record_keys: o.recordKeys,
  };
}

export function resolveMessage(o: { incident: string; source: AlertSource; facts: IncidentFacts; nowMs: number }): AlertMessage {
  const f = o.facts;
  const text = [
    `✅ RESOLVED: missed-block streak at ${blocks(f)} ended`,
    `Length: ${f.length} missed`,
    `Duration: ${formatDuration(f.duration_s ?? 0)}`,
    `Recovered: ${f.recovered} of ${f.length}`,
    `Worst severity: ${f.max_severity}`,
    `Time: ${formatUtc(f.ended_at ?? o.nowMs / 1000)}`,
    `Source: ${sourceName(o.source)}`,
  ].join('\n');
  return {
    id: idempotencyKey(o.incident, 'resolve'),
    kind: 'resolve',
    incident: o.incident,
    source: o.source,
    severity: f.max_severity,
    created_at: o.nowMs,
    title: `✅ Resolved: ${f.length} missed (${blocks(f)}), ${formatDuration(f.duration_s ?? 0)}, ${f.recovered} recovered — ${sourceName(o.source)}`,
    text,
    streak: f,
  };
}

export function summaryMessage(o: { channel: string; source: AlertSource; suppressed: SuppressedFacts; severity: MissedBlockSeverity; nowMs: number }): AlertMessage {
  const s = o.suppressed;
  const windowMs = s.window_end - s.window_start;
  const window = windowMs < 1000 ? `${windowMs} ms` : formatDuration(windowMs / 1000);
  const more = s.incident_count - s.incidents.length;
  const text = [
    `⚠️ THROTTLED: ${s.count} more alert message${s.count === 1 ? '' : 's'} in the last ${window} were not sent one by one`,
    `Alerts: ${s.alerts}, resolves: ${s.resolves}`,
    `Incidents: ${s.incidents.join(', ') || 'none'}${more > 0 ? ` (+${more} more)` : ''}`,
    `Source: ${sourceName(o.source)}`,
  ].join('\n');
  return {
    id: idempotencyKey('summary', o.channel, sourceName(o.source), s.window_start),
    kind: 'summary',
    source: o.source,
    severity: o.severity,
    created_at: o.nowMs,
    title: `⚠️ ${s.count} more alert messages throttled — ${sourceName(o.source)}`,
    text,
    suppressed: s,
  };
}
