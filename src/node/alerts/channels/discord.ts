// Discord webhook: one embed coloured by severity (green for a resolve), fields for the numbers,
// the idempotency key in the footer. Mentions are disabled: nothing in an alert may ping anyone.
// Discord answers 204 (200 with ?wait=true); 429 carries Retry-After and a JSON retry_after.
import { postJson } from '../http';
import { sourceName, type AlertMessage } from '../message';
import type { MissedBlockSeverity } from '../../../core/model';
import { IDEMPOTENCY_HEADER, type Channel } from './types';

export const SEVERITY_COLOURS: Record<MissedBlockSeverity, number> = {
  Low: 0x3498db,
  Medium: 0xf1c40f,
  High: 0xe67e22,
  Critical: 0xe74c3c,
};
export const RESOLVED_COLOUR = 0x2ecc71;
export const SUMMARY_COLOUR = 0x95a5a6;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function discordPayload(msg: AlertMessage): Record<string, unknown> {
  const colour = msg.kind === 'resolve' ? RESOLVED_COLOUR : msg.kind === 'summary' ? SUMMARY_COLOUR : SEVERITY_COLOURS[msg.severity];
  const fields = [{ name: 'Source', value: sourceName(msg.source), inline: true }, { name: 'Severity', value: msg.severity, inline: true }];
  if (msg.streak) {
    const s = msg.streak;
    fields.push({ name: 'Blocks', value: s.from_block === s.to_block ? `${s.from_block}` : `${s.from_block}-${s.to_block}`, inline: true });
    fields.push({ name: 'Missed', value: String(s.length), inline: true });
    fields.push({ name: 'Recovered', value: String(s.recovered), inline: true });
  }
  return {
    username: 'Missed Block Monitor',
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: clip(msg.title, 256),
        description: clip(msg.text, 4096),
        color: colour,
        fields,
        footer: { text: clip(`${msg.incident ? `${msg.incident} · ` : ''}${msg.id}`, 2048) },
        timestamp: new Date(msg.created_at).toISOString(),
      },
    ],
  };
}

export class DiscordChannel implements Channel {
  readonly id = 'discord' as const;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async send(msg: AlertMessage, signal: AbortSignal): Promise<void> {
    await postJson(this.url, discordPayload(msg), { label: 'discord', timeoutMs: this.timeoutMs, signal, headers: { [IDEMPOTENCY_HEADER]: msg.id } });
  }
}
