// Transport/RPC failure → MissedBlockReason (the README's classification table). Everything the chain layer throws
// is a ClassifiedError, so consumers switch on `reason` instead of parsing messages. classifyError
// also understands raw Node/undici/ws errors and ethers v6 errors, because other modules may still
// hand those in.
import type { MissedBlockReason } from '../../core/model';

/** A failure already mapped to a reason; `cause` keeps the original error for logs. */
export class ClassifiedError extends Error {
  /** From a 429's Retry-After, so a backoff can honour what the endpoint asked for. */
  readonly retryAfterMs?: number;
  constructor(
    readonly reason: MissedBlockReason,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options);
    this.name = 'ClassifiedError';
    this.retryAfterMs = options?.retryAfterMs;
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
  if (e instanceof HttpStatusError || (typeof status === 'number' && status >= 400)) return 'RpcError';
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
  return new ClassifiedError(reason, `${context ? `${context}: ` : ''}${msg}${detail}`, { cause: err, retryAfterMs });
}
