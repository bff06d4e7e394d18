// File: every alert message as one JSON line in `<logdir>/alerts.jsonl`, an audit trail beside the
// log (so it ignores mute and throttling: see manager.ts).
import { appendFile } from 'node:fs/promises';
import type { AlertMessage } from '../message';
import type { Channel } from './types';

export const ALERTS_FILE = 'alerts.jsonl';

export class FileChannel implements Channel {
  readonly id = 'file' as const;

  constructor(readonly file: string) {}

  async send(msg: AlertMessage): Promise<void> {
    await appendFile(this.file, `${JSON.stringify({ idempotency_key: msg.id, ...msg })}\n`);
  }
}
