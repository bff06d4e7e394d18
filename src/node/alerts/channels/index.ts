// The configured channels, built from validated settings. Tests and embedders may pass their own.
import path from 'node:path';
import type { Redactor } from '../../../core/redact';
import type { AlertSettings } from '../settings';
import { ConsoleChannel } from './console';
import { DiscordChannel } from './discord';
import { EmailChannel } from './email';
import { ALERTS_FILE, FileChannel } from './file';
import { SlackChannel } from './slack';
import type { Channel } from './types';
import { WebhookChannel } from './webhook';
import { AlertmanagerChannel } from './alertmanager';
import { PagerDutyChannel } from './pagerduty';
import { TelegramChannel } from './telegram';

export type { Channel } from './types';

export function createChannels(s: AlertSettings, o: { dir: string; redactor: Redactor; console?: Pick<NodeJS.WritableStream, 'write'> }): Channel[] {
  const t = s.retry.timeoutMs;
  return s.channels.map((c): Channel => {
    switch (c) {
      case 'console':
        return new ConsoleChannel(o.console);
      case 'file':
        return new FileChannel(path.join(o.dir, ALERTS_FILE));
      case 'webhook':
        return new WebhookChannel(s.webhookUrl!, t);
      case 'slack':
        return new SlackChannel(s.slackWebhook!, t);
      case 'discord':
        return new DiscordChannel(s.discordWebhook!, t);
      case 'email':
        return new EmailChannel(s.smtp!, t, o.redactor);
      case 'alertmanager':
        return new AlertmanagerChannel(s.alertmanagerUrl!, t);
      case 'pagerduty':
        return new PagerDutyChannel(s.pagerduty!, t);
      case 'telegram':
        return new TelegramChannel(s.telegram!, t);
    }
  });
}
