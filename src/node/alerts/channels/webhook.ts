// Webhook: the AlertMessage itself as the JSON body (plus `idempotency_key`), and the key again in
// the Idempotency-Key header. Any 2xx is success.
import { postJson } from '../http';
import type { AlertMessage } from '../message';
import { IDEMPOTENCY_HEADER, type Channel } from './types';

export function webhookPayload(msg: AlertMessage): Record<string, unknown> {
  return { idempotency_key: msg.id, ...msg };
}

export class WebhookChannel implements Channel {
  readonly id = 'webhook' as const;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
  ) {}

  async send(msg: AlertMessage, signal: AbortSignal): Promise<void> {
    await postJson(this.url, webhookPayload(msg), { label: 'webhook', timeoutMs: this.timeoutMs, signal, headers: { [IDEMPOTENCY_HEADER]: msg.id } });
  }
}
