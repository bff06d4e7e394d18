// A loopback stand-in for the Telegram Bot API's sendMessage. No Telegram can run here, so this
// server follows the public Bot API documentation's shapes exactly and is the boundary of the
// telegram tests:
//   POST /bot<token>/sendMessage  {chat_id, text, …}  (JSON)
//     → 200 {"ok":true,"result":{"message_id":N,"date":…,"chat":{"id":…},"text":"…"}}
//     → 401 {"ok":false,"error_code":401,"description":"Unauthorized"}          (wrong token)
//     → 400 {"ok":false,"error_code":400,"description":"Bad Request: chat not found"}
//     → 400 {"ok":false,"error_code":400,"description":"Bad Request: message text is empty"} / "…is too long" (> 4096)
//     → 429 {"ok":false,"error_code":429,"description":"Too Many Requests: retry after N","parameters":{"retry_after":N}}
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class TelegramPeer {
  readonly messages: { chat_id: unknown; text: string; body: Record<string, unknown> }[] = [];
  readonly answers: number[] = [];
  private limited = 0;
  private server?: Server;
  url = '';

  constructor(
    private readonly token: string,
    private readonly chatId: string,
  ) {}

  /** Answer the next `n` sendMessage calls with 429 retry_after `seconds`. */
  rateLimitNext(n: number, seconds = 1): void {
    this.limited = n;
    this.retryAfter = seconds;
  }

  private retryAfter = 1;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (d: Buffer) => (raw += d.toString()));
      req.on('end', () => {
        const answer = (status: number, json: unknown) => {
          this.answers.push(status);
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
        };
        const m = /^\/bot([^/]+)\/sendMessage$/.exec(req.url ?? '');
        if (!m) return answer(404, { ok: false, error_code: 404, description: 'Not Found' });
        if (m[1] !== this.token) return answer(401, { ok: false, error_code: 401, description: 'Unauthorized' });
        if (this.limited > 0) {
          this.limited--;
          return answer(429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${this.retryAfter}`, parameters: { retry_after: this.retryAfter } });
        }
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          return answer(400, { ok: false, error_code: 400, description: "Bad Request: can't parse JSON" });
        }
        if (String(body.chat_id) !== this.chatId) return answer(400, { ok: false, error_code: 400, description: 'Bad Request: chat not found' });
        const text = typeof body.text === 'string' ? body.text : '';
        if (text.trim() === '') return answer(400, { ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
        if ([...text].length > 4096) return answer(400, { ok: false, error_code: 400, description: 'Bad Request: message is too long' });
        this.messages.push({ chat_id: body.chat_id, text, body });
        answer(200, { ok: true, result: { message_id: this.messages.length, date: Math.floor(Date.now() / 1000), chat: { id: Number(this.chatId), type: 'supergroup' }, text } });
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
