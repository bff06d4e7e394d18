// GET a JSON document from a REST endpoint (the relay's Data API, the beacon node's REST API) with
// a deadline covering the body. Every failure is a ClassifiedError (errors.ts) whose message names
// the endpoint by its label (host:port), never by its URL: relay URLs may carry a key.
import { ClassifiedError, HttpStatusError, toClassified } from '../chain/errors';
import { retryAfterMs } from '../chain/rpc';

export interface JsonAnswer {
  status: number;
  /** undefined when the body is not JSON. */
  json: unknown;
}

/**
 * The answer for 2xx and for the statuses in `pass` (a beacon node's 404 "no block" is an answer);
 * other statuses throw (429 with its Retry-After → RateLimitExceeded; others → RpcError).
 */
export async function getJson(url: URL, what: string, o: { timeoutMs: number; pass?: readonly number[]; signal?: AbortSignal }): Promise<JsonAnswer> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), o.timeoutMs);
  const onAbort = () => ac.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await fetch(url, { headers: { accept: 'application/json' }, signal: ac.signal });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (!res.ok && !o.pass?.includes(res.status)) {
      const message = typeof (json as { message?: unknown } | undefined)?.message === 'string' ? `: ${String((json as { message: string }).message).slice(0, 200)}` : '';
      const err = new HttpStatusError(res.status, res.status === 429 ? retryAfterMs(res.headers.get('retry-after')) : undefined);
      throw toClassified(err, `${what}${message}`);
    }
    return { status: res.status, json };
  } catch (err) {
    if (err instanceof ClassifiedError) throw err;
    if (ac.signal.aborted && !o.signal?.aborted) throw new ClassifiedError('Timeout', `${what}: no answer within ${o.timeoutMs} ms`, { cause: err });
    // undici's "fetch failed" hides the reason in `cause`; toClassified finds it. Never the URL.
    throw toClassified(stripUrl(err), what);
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/** Node's fetch puts the URL in some messages ("Failed to parse URL from …"): keep the class, drop the text. */
function stripUrl(err: unknown): unknown {
  if (err instanceof Error && /https?:\/\//i.test(err.message)) {
    const e = new Error(err.message.replace(/https?:\/\/\S+/gi, '<url>'), { cause: err.cause });
    (e as Error & { code?: unknown }).code = (err as Error & { code?: unknown }).code;
    return e;
  }
  return err;
}
