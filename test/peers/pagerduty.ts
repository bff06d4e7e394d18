// A loopback stand-in for PagerDuty's Events API v2. No PagerDuty can run here, so this server
// follows its public documentation's shapes exactly and is the boundary of the pagerduty tests:
//   POST /v2/enqueue  {routing_key, event_action: trigger|acknowledge|resolve, dedup_key?, payload?}
//     → 202 {"status":"success","message":"Event processed","dedup_key":"…"}
//     → 400 {"status":"invalid event","message":"Event object is invalid","errors":[…]} when a
//       trigger lacks payload.summary/source/severity, the severity is not one of critical, error,
//       warning, info, or the routing key is not 32 characters
//     → 429 (rate limited) when told to
// It keeps the incidents it would open, keyed by dedup_key, with their state.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PdEvent {
  routing_key: string;
  event_action: string;
  dedup_key?: string;
  payload?: { summary?: string; source?: string; severity?: string; timestamp?: string; component?: string; group?: string; class?: string; custom_details?: unknown };
}

export class PagerDutyPeer {
  readonly events: PdEvent[] = [];
  readonly answers: number[] = [];
  /** dedup_key → 'triggered' | 'resolved'. */
  readonly incidents = new Map<string, string>();
  private limited = 0;
  private server?: Server;
  url = '';

  rateLimitNext(n: number): void {
    this.limited = n;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const answer = (status: number, json: unknown) => {
          this.answers.push(status);
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
        };
        if (req.method !== 'POST' || req.url !== '/v2/enqueue') return answer(404, { status: 'not found' });
        if (this.limited > 0) {
          this.limited--;
          return answer(429, { status: 'throttle exceeded', message: 'Requests for this service are arriving too quickly.  Please retry later.' });
        }
        let e: PdEvent;
        try {
          e = JSON.parse(body) as PdEvent;
        } catch {
          return answer(400, { status: 'invalid event', message: 'Event object is invalid', errors: ['Malformed JSON'] });
        }
        this.events.push(e);
        const errors: string[] = [];
        if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32) errors.push("'routing_key' is invalid");
        if (!['trigger', 'acknowledge', 'resolve'].includes(e.event_action)) errors.push("'event_action' is invalid");
        if (e.event_action === 'trigger') {
          const p = e.payload ?? {};
          if (!p.summary || p.summary.length > 1024) errors.push("'payload.summary' is missing or blank");
          if (!p.source) errors.push("'payload.source' is missing or blank");
          if (!['critical', 'error', 'warning', 'info'].includes(p.severity ?? '')) errors.push("'payload.severity' is invalid");
        } else if (!e.dedup_key) errors.push("'dedup_key' is missing or blank");
        if (errors.length) return answer(400, { status: 'invalid event', message: 'Event object is invalid', errors });
        const key = e.dedup_key ?? `generated-${this.events.length}`;
        if (e.event_action === 'trigger') this.incidents.set(key, 'triggered');
        else if (e.event_action === 'resolve' && this.incidents.has(key)) this.incidents.set(key, 'resolved');
        answer(202, { status: 'success', message: 'Event processed', dedup_key: key });
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v2/enqueue`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
