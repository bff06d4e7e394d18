// One JSON POST with a hard deadline, classified for retrying. node:http rather than fetch: a fresh
// connection per send (no pooled socket outliving the manager) and exact control over a peer that
// accepts and then stalls. Error messages name the peer by its redacted URL only.
import http from 'node:http';
import https from 'node:https';
import { redactUrl } from '../../core/redact';
import { parseRetryAfter, SendError } from './sendError';

export interface PostOptions {
  headers?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Channel name for messages ("slack"). */
  label: string;
  /** How messages name the peer when the URL's first path segment is itself a secret (Telegram's bot<token>). */
  shownUrl?: string;
}

export interface PostResult {
  status: number;
  body: string;
}

const MAX_BODY = 64 * 1024;

export function postJson(url: string, payload: unknown, o: PostOptions): Promise<PostResult> {
  const where = `${o.label} ${o.shownUrl ?? redactUrl(url)}`;
  const body = Buffer.from(JSON.stringify(payload));
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise<PostResult>((resolve, reject) => {
    let settled = false;
    const finish = (err: SendError | undefined, res?: PostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(res!);
    };
    const timer = setTimeout(() => finish(new SendError(`${where}: no answer within ${o.timeoutMs} ms`, true)), o.timeoutMs);
    const onAbort = () => finish(new SendError(`${where}: cancelled`, true));
    const req = mod.request(
      u,
      {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': String(body.length), 'user-agent': 'missed-block-monitor', ...o.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_BODY) chunks.push(c);
        });
        res.on('error', (e: NodeJS.ErrnoException) => finish(new SendError(`${where}: response broken (${e.code ?? 'error'})`, true)));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 200 && status < 300) return finish(undefined, { status, body: text });
          finish(classify(where, status, text, res.headers['retry-after']), undefined);
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => finish(new SendError(`${where}: ${e.code ?? 'network error'}`, true)));
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    req.end(body);
  });
}

function classify(where: string, status: number, text: string, retryAfter: string | string[] | undefined): SendError {
  // Peers' error bodies are short words ("invalid_token", "no_service"); keep a safe excerpt.
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 120);
  const msg = `${where}: HTTP ${status}${excerpt ? ` ${excerpt}` : ''}`;
  if (status === 429) {
    let after = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, Date.now());
    if (after === undefined) {
      // Discord also says it in the body: {"retry_after": 0.5} (seconds).
      try {
        // Telegram: {"parameters": {"retry_after": 5}} (seconds).
        const j = JSON.parse(text) as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
        const v = j.retry_after ?? j.parameters?.retry_after;
        if (typeof v === 'number' && v >= 0) after = Math.round(v * 1000);
      } catch {
        /* not JSON */
      }
    }
    return new SendError(msg, true, after, status);
  }
  const transient = status >= 500 || status === 408 || status === 425;
  return new SendError(msg, transient, undefined, status);
}
