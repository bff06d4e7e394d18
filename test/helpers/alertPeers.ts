// Loopback peers for the alert channels. HookPeer answers like a generic webhook (200 JSON), Slack
// (200 `ok`) or Discord (204), and can be told to fail the next requests: 500, 429 with
// Retry-After, a socket reset, a stall (never answers), or a 400. It can go down (port closed:
// ECONNREFUSED) and come back on the same port. MailPeer is smtp-server on 127.0.0.1 collecting
// what nodemailer sends, with subject and body decoded.
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export type PeerFlavour = 'webhook' | 'slack' | 'discord';
export type PeerFault = '500' | '429' | 'reset' | 'stall' | '400';

export interface PeerRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  json: any;
  /** ms (Date.now) when the request arrived. */
  at: number;
  /** What the peer answered with ('ok' or the fault). */
  answer: 'ok' | PeerFault;
}

export class HookPeer extends EventEmitter {
  readonly requests: PeerRequest[] = [];
  private faults: PeerFault[] = [];
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  port = 0;
  retryAfterSec = 1;

  private constructor(readonly flavour: PeerFlavour) {
    super();
  }

  static async start(flavour: PeerFlavour, port = 0): Promise<HookPeer> {
    const p = new HookPeer(flavour);
    p.port = port;
    await p.up();
    return p;
  }

  /** A URL shaped like the real service's, token included (tests grep for the token). */
  url(token = 'T000/B000/s3cr3tT0k3nXYZ'): string {
    const path = this.flavour === 'slack' ? `/services/${token}` : this.flavour === 'discord' ? `/api/webhooks/123/${token}` : `/hook/${token}`;
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** The next requests fail this way, in order; then normal answers again. */
  failNext(...faults: PeerFault[]): void {
    this.faults.push(...faults);
  }

  /** Answered 2xx. */
  get delivered(): PeerRequest[] {
    return this.requests.filter((r) => r.answer === 'ok');
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Close the port: senders get ECONNREFUSED until up(). */
  async down(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const fault = this.faults.shift();
      const r: PeerRequest = { path: req.url ?? '', headers: req.headers, body, json, at: Date.now(), answer: fault ?? 'ok' };
      this.requests.push(r);
      this.emit('request', r);
      switch (fault) {
        case undefined:
          if (this.flavour === 'discord') res.writeHead(204).end();
          else if (this.flavour === 'slack') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
          else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
          return;
        case '500':
          res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
          return;
        case '400':
          res.writeHead(400, { 'content-type': 'text/plain' }).end(this.flavour === 'slack' ? 'invalid_payload' : 'bad request');
          return;
        case '429':
          res
            .writeHead(429, { 'retry-after': String(this.retryAfterSec), 'content-type': 'application/json' })
            .end(JSON.stringify({ message: 'You are being rate limited.', retry_after: this.retryAfterSec }));
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'stall':
          return; // never answered; down() destroys the socket
      }
    });
  }
}

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  headers: Record<string, string>;
  raw: string;
  user?: string;
}

export class MailPeer {
  readonly mails: Mail[] = [];
  port = 0;

  private constructor(private readonly server: SMTPServer) {}

  /** smtp-server on 127.0.0.1. `auth`: require this login. `secure`: implicit TLS (its built-in self-signed cert). */
  static async start(o: { auth?: { user: string; pass: string }; secure?: boolean; rejectFirst?: number } = {}): Promise<MailPeer> {
    let peer!: MailPeer;
    let rejections = o.rejectFirst ?? 0;
    const opts: SMTPServerOptions = {
      secure: o.secure ?? false,
      disabledCommands: o.secure ? [] : ['STARTTLS'],
      authOptional: !o.auth,
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, cb) {
        if (o.auth && auth.username === o.auth.user && auth.password === o.auth.pass) cb(null, { user: auth.username });
        else cb(new Error('Invalid username or password'));
      },
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (rejections > 0) {
            rejections -= 1;
            const err = new Error('try again later') as Error & { responseCode: number };
            err.responseCode = 451;
            return cb(err);
          }
          const raw = Buffer.concat(chunks).toString('utf8');
          peer.mails.push(parseMail(raw, session.envelope.mailFrom ? session.envelope.mailFrom.address : '', session.envelope.rcptTo.map((r) => r.address), session.user as string | undefined));
          cb();
        });
      },
    };
    const server = new SMTPServer(opts);
    peer = new MailPeer(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    peer.port = (server.server.address() as { port: number }).port;
    return peer;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Just enough MIME for what nodemailer writes: unfolded headers, encoded-word subject, QP/base64 text body. */
function parseMail(raw: string, from: string, to: string[], user?: string): Mail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  const cte = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  const bytes = cte === 'quoted-printable' ? qp(body) : cte === 'base64' ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  return { from, to, subject: decodeWords(headers.subject ?? ''), text: bytes.toString('utf8').replace(/\r\n/g, '\n').trimEnd(), headers, raw, user };
}

function qp(s: string): Buffer {
  const bin = s.replace(/=\r\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < bin.length; i++) {
    if (bin[i] === '=' && /^[0-9A-F]{2}$/i.test(bin.slice(i + 1, i + 3))) {
      out.push(parseInt(bin.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(...Buffer.from(bin[i], 'utf8'));
  }
  return Buffer.from(out);
}

/** RFC 2047 encoded words; whitespace between adjacent ones is dropped (§6.2). */
function decodeWords(s: string): string {
  // Words are decoded to bytes first: a UTF-8 character may be split across two words.
  const latin1 = s.replace(/\?=\s+=\?/g, '?==?').replace(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
    (enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : qp(text.replace(/_/g, ' '))).toString('latin1'),
  );
  return Buffer.from(latin1, 'latin1').toString('utf8');
}
