// Telegram Bot API sendMessage (POST https://api.telegram.org/bot<token>/sendMessage with
// {chat_id, text}): plain text (no parse_mode, so nothing in a record is markup), link previews
// off. Telegram answers {"ok":true,"result":{…message…}}; errors {"ok":false,"error_code":…,
// "description":…}, a 429 with {"parameters":{"retry_after":s}}. The token is in the URL's path,
// so messages name the peer as <api>/bot***.
import { postJson } from '../http';
import type { AlertMessage } from '../message';
import { SendError } from '../sendError';
import { IDEMPOTENCY_HEADER, type Channel } from './types';

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function telegramPayload(msg: AlertMessage, chatId: string): Record<string, unknown> {
  return {
    chat_id: chatId,
    text: clip(`${msg.title}\n\n${msg.text}\n\n${msg.incident ? `${msg.incident} · ` : ''}${msg.id}`, 4096),
    link_preview_options: { is_disabled: true },
  };
}

export class TelegramChannel implements Channel {
  readonly id = 'telegram' as const;

  constructor(
    private readonly o: { apiUrl: string; botToken: string; chatId: string },
    private readonly timeoutMs: number,
  ) {}

  async send(msg: AlertMessage, signal: AbortSignal): Promise<void> {
    const shownUrl = `${new URL(this.o.apiUrl).origin}/bot***`;
    const res = await postJson(`${this.o.apiUrl}/bot${this.o.botToken}/sendMessage`, telegramPayload(msg, this.o.chatId), {
      label: 'telegram',
      shownUrl,
      timeoutMs: this.timeoutMs,
      signal,
      headers: { [IDEMPOTENCY_HEADER]: msg.id },
    });
    let ok: unknown;
    try {
      ok = (JSON.parse(res.body) as { ok?: unknown }).ok;
    } catch {
      ok = undefined;
    }
    if (ok !== true) throw new SendError(`telegram ${shownUrl}: answer without "ok": true`, true);
  }
}
