// Transport/RPC failure → MissedBlockReason (ARCHITECTURE.md §4). Everything the chain layer throws
// is a ClassifiedError, so consumers switch on `reason` instead of parsing messages. classifyError
// also understands raw Node/undici/ws errors and ethers v6 errors, because other modules may still
// hand those in.
import { STATUS_CODES } from 'node:http';
import type { MissedBlockReason } from '../../core/model';

/** A failure already mapped to a reason; `cause` keeps the original error for logs. */
export class ClassifiedError extends Error {
  /** From a 429's Retry-After, so a backoff can honour what the endpoint asked for. */
  readonly retryAfterMs?: number;
  /** What an operator can act on ("WebSocket handshake refused: HTTP 404 …"); see describeFailure. */
  readonly detail: string;
  constructor(
    readonly reason: MissedBlockReason,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number; detail?: string },
  ) {
    super(message, options);
    this.name = 'ClassifiedError';
    this.retryAfterMs = options?.retryAfterMs;
    this.detail = options?.detail ?? describeFailure(options?.cause ?? message, reason);
  }
}

/** The node answered with a JSON-RPC error object. */
export class RpcResponseError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(`JSON-RPC error ${code}: ${message}`);
    this.name = 'RpcResponseError';
  }
}

/** The endpoint answered HTTP with a non-2xx status and no JSON-RPC error body. */
export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status}`);
    this.name = 'HttpStatusError';
  }
}

/** Our own request deadline passed (the endpoint may still be working on it). */
export class RequestTimeoutError extends Error {
  readonly code = 'TIMEOUT';
  constructor(readonly timeoutMs: number, what: string) {
    super(`${what} timed out after ${timeoutMs} ms`);
    this.name = 'RequestTimeoutError';
  }
}

/** A WebSocket closed (or never opened) while we needed it. */
export class SocketClosedError extends Error {
  constructor(readonly closeCode?: number, detail = '') {
    super(`WebSocket closed${closeCode !== undefined ? ` (code ${closeCode})` : ''}${detail ? `: ${detail}` : ''}`);
    this.name = 'SocketClosedError';
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTCONN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH',
  'EHOSTDOWN', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'ERR_SOCKET_CLOSED', 'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ERR_SOCKET_CONNECTION_TIMEOUT',
]);
const TIMEOUT_CODES = new Set([
  'TIMEOUT', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
]);
/** -32005 is the de-facto "limit exceeded" code (EIP-1474); some providers answer 429 inside JSON-RPC. */
const RATE_LIMIT_RPC_CODES = new Set([-32005, 429]);
const RATE_LIMIT_TEXT = /rate.?limit|too many requests|request (limit|count)|exceeded .*(capacity|quota|compute units)|throttl/i;
const CONNECTION_TEXT = /ECONNREFUSED|ECONNRESET|EPIPE|socket hang up|other side closed|socket (is )?closed|connection (refused|reset|closed|lost)|websocket (was )?clos|closed before the connection/i;
const TIMEOUT_TEXT = /timed? ?out|timeout/i;

type Loose = Record<string, unknown>;
const obj = (v: unknown): Loose | undefined => (v !== null && typeof v === 'object' ? (v as Loose) : undefined);

/** Most specific first: rate limits and timeouts can look like generic RPC/connection errors. */
const PRIORITY: MissedBlockReason[] = ['RateLimitExceeded', 'Timeout', 'ConnectionLost', 'RpcError', 'InvalidBlock'];

/** Classify one error object without looking at what it wraps. */
function classifyOne(e: Loose): MissedBlockReason | undefined {
  if (e instanceof ClassifiedError) return e.reason;
  const code = e.code;
  const message = typeof e.message === 'string' ? e.message : '';
  // ws reports a refused upgrade only in its message: "Unexpected server response: 429".
  const wsStatus = /Unexpected server response: (\d{3})/.exec(message)?.[1];
  const status = e.status ?? e.statusCode ?? obj(e.response)?.statusCode ?? obj(e.response)?.status ?? (wsStatus ? Number(wsStatus) : undefined);
  const name = typeof e.name === 'string' ? e.name : '';

  if (status === 429 || (typeof code === 'number' && RATE_LIMIT_RPC_CODES.has(code)) || RATE_LIMIT_TEXT.test(message)) {
    return 'RateLimitExceeded';
  }
  if (name === 'TimeoutError' || (typeof code === 'string' && TIMEOUT_CODES.has(code))) return 'Timeout';
  if (e instanceof SocketClosedError || (typeof code === 'string' && CONNECTION_CODES.has(code))) return 'ConnectionLost';
  // A JSON-RPC error object: { code: <number>, message }. Also any other HTTP error status.
  if (e instanceof RpcResponseError || (typeof code === 'number' && Number.isInteger(code) && message !== '')) return 'RpcError';
  if (e instanceof HttpStatusError || (typeof status === 'number' && status >= 400) || wsStatus) return 'RpcError';
  // A TLS failure (bad certificate, or TLS spoken to a plain server) means no connection.
  if ((typeof code === 'string' && TLS_CODES.test(code)) || /wrong version number|certificate/i.test(message)) return 'ConnectionLost';
  if (CONNECTION_TEXT.test(message)) return 'ConnectionLost';
  if (TIMEOUT_TEXT.test(message) && name !== 'AbortError') return 'Timeout';
  return undefined;
}

/** Errors this one wraps: `cause` (undici "fetch failed"), AggregateError.errors, ethers' error/info.error. */
function children(e: Loose): unknown[] {
  const out: unknown[] = [];
  if (e.cause !== undefined) out.push(e.cause);
  if (Array.isArray(e.errors)) out.push(...e.errors);
  if (e.error !== undefined) out.push(e.error);
  const info = obj(e.info);
  if (info?.error !== undefined) out.push(info.error);
  if (info?.responseStatus !== undefined) out.push({ status: Number(String(info.responseStatus).slice(0, 3)) });
  return out;
}

/**
 * The reason for a failure. Looks through wrappers (bounded depth and breadth) and takes the most
 * specific reason found anywhere in the chain; Unknown when nothing matches.
 */
export function classifyError(err: unknown): MissedBlockReason {
  if (err instanceof ClassifiedError) return err.reason;
  const found = new Set<MissedBlockReason>();
  const queue: Array<[unknown, number]> = [[err, 0]];
  const seen = new Set<unknown>();
  for (let i = 0; i < queue.length && i < 32; i++) {
    const [cur, depth] = queue[i]!;
    const e = obj(cur);
    if (!e || seen.has(e)) {
      if (typeof cur === 'string') {
        const r = classifyOne({ message: cur });
        if (r) found.add(r);
      }
      continue;
    }
    seen.add(e);
    const r = classifyOne(e);
    if (r) found.add(r);
    if (depth < 5) for (const c of children(e)) queue.push([c, depth + 1]);
  }
  return PRIORITY.find((r) => found.has(r)) ?? 'Unknown';
}

/** Wrap anything thrown into a ClassifiedError (unchanged if it already is one). */
export function toClassified(err: unknown, context?: string): ClassifiedError {
  if (err instanceof ClassifiedError) return err;
  const reason = classifyError(err);
  const msg = err instanceof Error ? err.message : String(err);
  const detail = obj(err)?.cause instanceof Error ? ` (${(obj(err)!.cause as Error).message})` : '';
  const retryAfterMs = err instanceof HttpStatusError ? err.retryAfterMs : undefined;
  return new ClassifiedError(reason, `${context ? `${context}: ` : ''}${msg}${detail}`, { cause: err, retryAfterMs, detail: describeFailure(err, reason) });
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|EPROTO$|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)_|HOSTNAME_MISMATCH)/;
const CONNECT_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listening at that host and port)',
  ECONNRESET: 'connection reset by the endpoint',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** One line, printable, bounded: details end up in a console line, /health and a tree row. */
const oneLine = (s: string, max = 160): string => {
  const t = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** The detail of one error object, or undefined when it says nothing specific. */
function detailOne(e: Loose): string | undefined {
  if (e instanceof ClassifiedError && e.detail) return e.detail;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  const ws = /Unexpected server response: (\d{3})/.exec(message)?.[1];
  if (ws) {
    const st = Number(ws);
    return `WebSocket handshake refused: HTTP ${st}${STATUS_CODES[st] ? ` ${STATUS_CODES[st]}` : ''} (a web server, not a WebSocket JSON-RPC endpoint?)`;
  }
  if (/Invalid Sec-WebSocket-Accept|Invalid WebSocket frame|Sec-WebSocket/i.test(message)) return `WebSocket handshake refused: ${oneLine(message, 80)}`;
  if ((code && TLS_CODES.test(code)) || /\b(SSL|TLS)\b|certificate|wrong version number/i.test(message)) {
    if (/wrong version number|packet length too long/i.test(message) || code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
      return 'TLS error: the endpoint does not speak TLS (an http or ws URL instead?)';
    }
    return `TLS error: ${code ?? 'handshake failed'}${code && !/SSL routines/.test(message) && message ? ` (${oneLine(message, 80)})` : ''}`;
  }
  if (code && CONNECT_TEXT[code]) return CONNECT_TEXT[code];
  if (e instanceof HttpStatusError) return `HTTP ${e.status}${STATUS_CODES[e.status] ? ` ${STATUS_CODES[e.status]}` : ''}`;
  if (e instanceof RpcResponseError) return oneLine(`JSON-RPC error ${e.code}: ${e.message.replace(/^JSON-RPC error -?\d+: /, '')}`);
  if (e instanceof SocketClosedError) return `WebSocket closed by the endpoint${e.closeCode !== undefined ? ` (code ${e.closeCode})` : ''}`;
  if (e instanceof RequestTimeoutError) return `no answer within ${e.timeoutMs} ms`;
  return undefined;
}

/**
 * Why an endpoint failed, in words an operator can act on: the HTTP status, a refused WebSocket
 * handshake, a TLS error, an answer that is not JSON-RPC, a wrong chain id, a refused connection,
 * a timeout. Looks through wrappers like classifyError; never quotes a response body (a 404 page
 * may echo the URL's path, which can hold an API key). Callers scrub it with the endpoint's URL.
 */
export function describeFailure(err: unknown, reason?: MissedBlockReason): string {
  const queue: Array<[unknown, number]> = [[err, 0]];
  const seen = new Set<unknown>();
  for (let i = 0; i < queue.length && i < 32; i++) {
    const [cur, depth] = queue[i]!;
    const e = typeof cur === 'string' ? { message: cur } : obj(cur);
    if (!e || seen.has(e)) continue;
    seen.add(e);
    const d = detailOne(e);
    if (d) return d;
    if (depth < 5) for (const c of children(e)) queue.push([c, depth + 1]);
  }
  const msg = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  // "<label> <method>: <what happened>" (labels are host:port): the part after them is the useful one.
  const tail = msg.replace(/^\S+(?: [^\s:]+)?: /, '');
  return oneLine(tail || reason || 'Unknown');
}
