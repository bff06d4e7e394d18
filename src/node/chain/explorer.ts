// A block explorer as the last recovery source: Etherscan-style HTTP APIs
// (`?module=proxy&action=eth_getBlockByNumber&tag=0x…&boolean=false&apikey=…`), which Etherscan and
// its family serve and Blockscout serves too (`/api?module=proxy…`, no key needed). The proxy module
// answers with a JSON-RPC envelope (`{"jsonrpc":"2.0","id":1,"result":{…block…}}`); refusals come in
// the explorer's own envelope (`{"status":"0","message":"NOTOK","result":"Max rate limit reached"}`).
// The API key goes only into the request URL: the endpoint, its label and every error carry it
// scrubbed (Redactor), so no log line, record or health answer can show it.
import type { BlockInfo } from '../../core/model';
import { Redactor, redactUrl } from '../../core/redact';
import { parseBlock } from './block';
import { ClassifiedError, HttpStatusError, RpcResponseError, toClassified } from './errors';
import type { BlockFetcher, Endpoint } from './types';

export interface ExplorerOptions {
  /** The API base, e.g. https://api.etherscan.io/v2/api?chainid=1 or https://eth.blockscout.com/api. */
  url: string;
  apiKey?: string;
  /** The monitored chain's id, once known (explorers' proxy module has no eth_chainId). */
  chainId?: () => number | undefined;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  /** Pause between requests (explorers limit calls per second). Default 250 ms. */
  minIntervalMs?: number;
}

const hex = (n: number) => `0x${n.toString(16)}`;
const RATE_LIMIT = /rate limit|too many|max calls/i;

/** `explorer:<host>`: what records name as the source of a block recovered from it. */
export function explorerLabel(url: string): string {
  try {
    return `explorer:${new URL(url).host}`;
  } catch {
    return 'explorer';
  }
}

export class ExplorerFetcher implements BlockFetcher {
  readonly endpoint: Endpoint;
  private readonly redactor: Redactor;
  private lastRequestAt = 0;

  constructor(private readonly o: ExplorerOptions) {
    this.endpoint = { label: explorerLabel(o.url), url: redactUrl(o.url) };
    this.redactor = new Redactor([o.apiKey]);
  }

  async chainId(): Promise<number> {
    const id = this.o.chainId?.();
    if (id === undefined) throw new ClassifiedError('RpcError', `${this.endpoint.label}: chain id not known`);
    return id;
  }

  async headNumber(): Promise<number> {
    const r = await this.call({ action: 'eth_blockNumber' });
    if (typeof r !== 'string' || !/^0x[0-9a-f]+$/i.test(r)) throw new ClassifiedError('RpcError', `${this.endpoint.label}: bad block number ${JSON.stringify(r)}`);
    return Number(r);
  }

  async getBlock(n: number): Promise<BlockInfo | null> {
    const raw = await this.call({ action: 'eth_getBlockByNumber', tag: hex(n), boolean: 'false' });
    return raw === null ? null : parseBlock(raw, this.endpoint.label, this.o.chainId?.(), n);
  }

  /** One request per block, one at a time, `minIntervalMs` apart; the first failure fails the batch. */
  async getBlocks(numbers: readonly number[]): Promise<(BlockInfo | null)[]> {
    const out: (BlockInfo | null)[] = [];
    for (const n of numbers) out.push(await this.getBlock(n));
    return out;
  }

  private async call(params: Record<string, string>): Promise<unknown> {
    const wait = this.lastRequestAt + (this.o.minIntervalMs ?? 250) - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    this.lastRequestAt = Date.now();
    const u = new URL(this.o.url);
    u.searchParams.set('module', 'proxy');
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    if (this.o.apiKey) u.searchParams.set('apikey', this.o.apiKey);
    const what = `${this.endpoint.label} ${params.action}${params.tag ? ` ${params.tag}` : ''}`;
    try {
      const res = await fetch(u, { signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000), headers: { accept: 'application/json' } });
      const text = await res.text();
      if (res.status === 429) throw new ClassifiedError('RateLimitExceeded', `${what}: HTTP 429`);
      if (!res.ok) throw new HttpStatusError(res.status);
      return this.resultOf(text, what);
    } catch (err) {
      // Scrub: a library's message may quote the request URL, and with it the key.
      const c = toClassified(err, what);
      throw new ClassifiedError(c.reason, this.redactor.scrub(c.message), { retryAfterMs: c.retryAfterMs });
    }
  }

  private resultOf(text: string, what: string): unknown {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new ClassifiedError('RpcError', `${what}: not JSON (${text.slice(0, 80)})`);
    }
    if (!body || typeof body !== 'object') throw new ClassifiedError('RpcError', `${what}: unexpected answer`);
    // The explorer's own envelope: status "0" is a refusal, its reason in `result` (or `message`).
    if (body.status === '0') {
      const why = typeof body.result === 'string' ? body.result : String(body.message ?? 'NOTOK');
      throw new ClassifiedError(RATE_LIMIT.test(why) ? 'RateLimitExceeded' : 'RpcError', `${what}: ${why}`);
    }
    const e = body.error as { code?: unknown; message?: unknown } | undefined;
    if (e && typeof e === 'object') throw new RpcResponseError(Number(e.code), String(e.message ?? ''));
    if (!('result' in body)) throw new ClassifiedError('RpcError', `${what}: answer without a result`);
    return body.result;
  }
}

/**
 * The explorer fetcher [recovery] asks for, or undefined. The key is read from the environment
 * variable explorer_api_key_env names; a named variable that is unset is a warning (Blockscout needs
 * no key), never the key itself.
 */
export function explorerFromConfig(
  cfg: { explorerUrl?: string; explorerApiKeyEnv?: string } | undefined,
  opts: { env?: NodeJS.ProcessEnv; chainId?: () => number | undefined; warn?: (m: string) => void; extra?: Partial<ExplorerOptions> } = {},
): ExplorerFetcher | undefined {
  if (!cfg?.explorerUrl) return undefined;
  const env = opts.env ?? process.env;
  let apiKey: string | undefined;
  if (cfg.explorerApiKeyEnv) {
    apiKey = env[cfg.explorerApiKeyEnv] || undefined;
    if (!apiKey) opts.warn?.(`recovery.explorer_api_key_env names ${cfg.explorerApiKeyEnv}, which is not set: asking ${explorerLabel(cfg.explorerUrl)} without a key`);
  }
  return new ExplorerFetcher({ url: cfg.explorerUrl, apiKey, chainId: opts.chainId, ...opts.extra });
}
