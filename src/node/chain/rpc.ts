// Raw JSON-RPC transports. We speak JSON-RPC ourselves instead of through ethers' providers because
// ethers v6 gets in the way of honest classification: FetchRequest silently retries HTTP 429 up to
// 12 times with backoff (hiding RateLimitExceeded), JsonRpcProvider loops "failed to detect network"
// while a node is down, and WebSocketProvider never reconnects. Every failure leaves here as a
// ClassifiedError.
import { ClassifiedError, HttpStatusError, RpcResponseError, toClassified } from './errors';

export interface RpcCall {
  method: string;
  params?: readonly unknown[];
}

/** One entry of a batch answer: a result, or that request's own (classified) error. */
export type RpcOutcome = { ok: true; result: unknown } | { ok: false; error: ClassifiedError };

export interface RpcTransport {
  call<T = unknown>(method: string, params?: readonly unknown[]): Promise<T>;
  /** One JSON-RPC batch request. A failure of the whole request throws; per-entry errors are returned. */
  batch(calls: readonly RpcCall[]): Promise<RpcOutcome[]>;
  close(): Promise<void>;
}

export interface TransportOptions {
  /** Per request (HTTP round trip, or WS request → response). Default 10 s. */
  timeoutMs?: number;
  /** Used in error messages instead of the URL, which may carry an API key. */
  label?: string;
  headers?: Record<string, string>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

type Loose = Record<string, unknown>;

/** JSON-RPC error object → classified error (rate-limit codes become RateLimitExceeded). */
export function rpcErrorOf(e: unknown, what: string): ClassifiedError {
  const o = (e ?? {}) as Loose;
  const code = typeof o.code === 'number' ? o.code : -32603;
  const msg = typeof o.message === 'string' ? o.message : JSON.stringify(e);
  return toClassified(new RpcResponseError(code, msg, o.data), what);
}

/** Details of answers that are not JSON-RPC (never quoting them: a page may echo the URL's key). */
export const NOT_JSON_RPC_SHAPE = 'not JSON-RPC: the answer has neither "result" nor "error"';
export const notJson = (contentType: string | null | undefined): string =>
  `not JSON-RPC: the answer is not JSON${contentType ? ` (${contentType.split(';')[0]!.trim().slice(0, 40)})` : ''}`;

/** The result of a single response object, or throw its error. */
export function resultOf(resp: unknown, what: string): unknown {
  const o = resp as Loose | null;
  if (!o || typeof o !== 'object') throw new ClassifiedError('RpcError', `${what}: malformed JSON-RPC response`, { detail: NOT_JSON_RPC_SHAPE });
  if (o.error !== undefined && o.error !== null) throw rpcErrorOf(o.error, what);
  if (!('result' in o)) throw new ClassifiedError('RpcError', `${what}: JSON-RPC response without result`, { detail: NOT_JSON_RPC_SHAPE });
  return o.result;
}

/** Match a batch answer to its requests by id (servers may reorder; missing entries are errors). */
export function outcomesOf(body: unknown, ids: readonly number[], what: string): RpcOutcome[] {
  if (!Array.isArray(body)) {
    // Some providers reject a whole batch with one error object (typically a rate limit).
    const o = body as Loose | null;
    if (o && typeof o === 'object' && o.error) throw rpcErrorOf(o.error, what);
    throw new ClassifiedError('RpcError', `${what}: batch answer is not an array`);
  }
  const byId = new Map<unknown, unknown>();
  for (const r of body) if (r && typeof r === 'object') byId.set((r as Loose).id, r);
  return ids.map((id) => {
    const r = byId.get(id);
    if (r === undefined) return { ok: false, error: new ClassifiedError('RpcError', `${what}: no answer for request ${id}`) };
    try {
      return { ok: true, result: resultOf(r, what) };
    } catch (err) {
      return { ok: false, error: toClassified(err, what) };
    }
  });
}

export function retryAfterMs(h: string | null): number | undefined {
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(h);
  return Number.isNaN(t) ? undefined : Math.max(0, t - Date.now());
}

/** JSON-RPC over HTTP(S) with Node's fetch. Batches are one POST with an array body. */
export class HttpRpcClient implements RpcTransport {
  private nextId = 1;
  private readonly timeoutMs: number;
  private readonly label: string;

  constructor(
    readonly url: string,
    private readonly opts: TransportOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.label = opts.label ?? 'rpc';
  }

  async call<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    const what = `${this.label} ${method}`;
    const body = await this.post({ jsonrpc: '2.0', id: this.nextId++, method, params }, what);
    return resultOf(body, what) as T;
  }

  async batch(calls: readonly RpcCall[]): Promise<RpcOutcome[]> {
    if (calls.length === 0) return [];
    const ids = calls.map(() => this.nextId++);
    const what = `${this.label} batch(${calls.length}× ${calls[0]!.method})`;
    const body = await this.post(
      calls.map((c, i) => ({ jsonrpc: '2.0', id: ids[i], method: c.method, params: c.params ?? [] })),
      what,
    );
    return outcomesOf(body, ids, what);
  }

  async close(): Promise<void> {
    // Nothing held: fetch's keep-alive pool is shared and unref'd.
  }

  private async post(payload: unknown, what: string): Promise<unknown> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), this.timeoutMs);
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.opts.headers },
        body: JSON.stringify(payload),
        signal: ac.signal,
      });
      // The deadline covers the body too: a node that sends headers then stalls is still a timeout.
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      if (!res.ok) {
        if (res.status === 429) throw new HttpStatusError(429, retryAfterMs(res.headers.get('retry-after')));
        const e = (json as Loose | undefined)?.error;
        if (e) throw rpcErrorOf(e, `${what} (HTTP ${res.status})`);
        throw new HttpStatusError(res.status);
      }
      if (json === undefined) throw new ClassifiedError('RpcError', `${what}: answer is not JSON`, { detail: notJson(res.headers.get('content-type')) });
      return json;
    } catch (err) {
      if (ac.signal.aborted) throw new ClassifiedError('Timeout', `${what}: no answer within ${this.timeoutMs} ms`, { cause: err });
      throw toClassified(err, what);
    } finally {
      clearTimeout(timer);
    }
  }
}
