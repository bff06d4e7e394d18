// Email through nodemailer's SMTP transport: subject = the title, body = the relay's text plus the
// incident and the idempotency key (also the Message-ID, so a repeat after a crash threads as the
// same mail). SMTP 5xx rejections are permanent; a failed login is retried (the operator fixes the
// secret and the outbox still holds the mail), as is every connection problem.
import nodemailer from 'nodemailer';
import { sourceName, type AlertMessage } from '../message';
import type { Redactor } from '../../../core/redact';
import { SendError } from '../sendError';
import type { SmtpSettings } from '../settings';
import type { Channel } from './types';

type Transport = ReturnType<typeof nodemailer.createTransport>;

export function emailContent(msg: AlertMessage): { subject: string; text: string; messageId: string; headers: Record<string, string> } {
  return {
    subject: msg.title,
    text: [msg.text, '', `Source: ${sourceName(msg.source)}`, ...(msg.incident ? [`Incident: ${msg.incident}`] : []), `Id: ${msg.id}`].join('\n'),
    messageId: `<${msg.id}@missed-block-monitor>`,
    headers: { 'X-Idempotency-Key': msg.id, ...(msg.incident ? { 'X-MBM-Incident': msg.incident } : {}) },
  };
}

export class EmailChannel implements Channel {
  readonly id = 'email' as const;
  private readonly transport: Transport;

  constructor(
    private readonly smtp: SmtpSettings,
    timeoutMs: number,
    private readonly redactor: Redactor,
  ) {
    this.transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure,
      requireTLS: smtp.requireTls,
      tls: { rejectUnauthorized: smtp.rejectUnauthorized },
      ...(smtp.user !== undefined ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      disableFileAccess: true,
      disableUrlAccess: true,
    });
  }

  async send(msg: AlertMessage, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new SendError('email: cancelled', true);
    const c = emailContent(msg);
    try {
      await this.transport.sendMail({ from: this.smtp.from, to: this.smtp.to, subject: c.subject, text: c.text, messageId: c.messageId, headers: c.headers });
    } catch (err) {
      const e = err as { code?: string; responseCode?: number; permanent?: boolean; message?: string };
      const permanent = e.permanent === true && e.code !== 'EAUTH';
      const what = [e.code, e.responseCode].filter(Boolean).join(' ');
      throw new SendError(this.redactor.scrub(`email smtp://${this.smtp.host}:${this.smtp.port}: ${what ? `${what} ` : ''}${e.message ?? String(err)}`), !permanent, undefined, e.responseCode);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
