// Console: the relay's emoji text, as is, on stderr by default (stdout is `mbm watch`'s stream of
// records and must stay machine-readable).
import type { AlertMessage } from '../message';
import type { Channel } from './types';

export class ConsoleChannel implements Channel {
  readonly id = 'console' as const;

  constructor(private readonly out: Pick<NodeJS.WritableStream, 'write'> = process.stderr) {}

  async send(msg: AlertMessage): Promise<void> {
    this.out.write(`${msg.text}\n`);
  }
}
