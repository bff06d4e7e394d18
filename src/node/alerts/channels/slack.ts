// Slack incoming webhook: `text` (the notification line) plus Block Kit blocks — a header, the
// message text as preformatted mrkdwn, and a context line naming the source, the incident and the
// idempotency key. Slack answers 200 `ok`; 4xx words like `invalid_payload` are permanent.
import { postJson } from '../http';
import { sourceName, type AlertMessage } from '../message';
import { IDEMPOTENCY_HEADER, type Channel } from './types';

/** Slack mrkdwn treats these three as control characters. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function slackPayload(msg: AlertMessage): Record<string, unknown> {
  const context = [`*Source:* ${sourceName(msg.source)}`, ...(msg.incident ? [`*Incident:* ${msg.incident}`] : []), `*Id:* ${msg.id}`];
  return {
    text: slackEscape(msg.title),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(msg.title, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: clip(`\`\`\`${slackEscape(msg.text)}\`\`\``, 3000) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(context.join(' · ')) }] },
    ],
  };
}

export class SlackChannel implements Channel {
  readonly id = 'slack' as const;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async send(msg: AlertMessage, signal: AbortSignal): Promise<void> {
    await postJson(this.url, slackPayload(msg), { label: 'slack', timeoutMs: this.timeoutMs, signal, headers: { [IDEMPOTENCY_HEADER]: msg.id } });
  }
}
