// A relay's public Data API (relay-specs, "Data API"): GET /relay/v1/data/bidtraces/proposer_payload_delivered
// answers a JSON array of BidTrace objects, newest slot first, every number a decimal string. Paging:
// `cursor` is the highest slot to return, `limit` the page size (relays cap it, usually at 200);
// `slot` and `cursor` cannot be combined. Every failure is a ClassifiedError naming the relay by its
// label (host:port) only.
import type { DeliveredPayload } from '../../core/payloads';
import { isWeiString } from '../../core/payloads';
import { ClassifiedError } from '../chain/errors';
import { endpointLabel } from '../endpoints';
import { getJson } from './http';

export const PAYLOAD_DELIVERED_PATH = '/relay/v1/data/bidtraces/proposer_payload_delivered';
/** The largest page the reference relay serves. */
export const MAX_PAGE_LIMIT = 200;

const HASH = /^0x[0-9a-fA-F]{64}$/;
const PUBKEY = /^0x[0-9a-fA-F]{96}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

type Loose = Record<string, unknown>;

function field(o: Loose, name: string, re: RegExp, at: string): string {
  const v = o[name];
  if (typeof v !== 'string' || !re.test(v)) throw new ClassifiedError('RpcError', `${at}: ${name} is not in the Data API's form (got ${JSON.stringify(v)?.slice(0, 60)})`);
  return v;
}

function num(o: Loose, name: string, at: string, optional = false): number | undefined {
  const v = o[name];
  if (v === undefined && optional) return undefined;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  throw new ClassifiedError('RpcError', `${at}: ${name} must be a decimal string (got ${JSON.stringify(v)?.slice(0, 40)})`);
}

/** One BidTrace as the Data API sends it → DeliveredPayload; a malformed one throws (the page is not trusted). */
export function parseBidTrace(v: unknown, at: string): DeliveredPayload {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ClassifiedError('RpcError', `${at}: expected a BidTrace object`);
  const o = v as Loose;
  const value = o.value;
  if (!isWeiString(value)) throw new ClassifiedError('RpcError', `${at}: value must be a decimal string of wei (got ${JSON.stringify(value)?.slice(0, 40)})`);
  const blockNumber = num(o, 'block_number', at, true);
  const numTx = num(o, 'num_tx', at, true);
  return {
    slot: num(o, 'slot', at)!,
    parent_hash: field(o, 'parent_hash', HASH, at),
    block_hash: field(o, 'block_hash', HASH, at),
    builder_pubkey: field(o, 'builder_pubkey', PUBKEY, at),
    proposer_pubkey: field(o, 'proposer_pubkey', PUBKEY, at),
    proposer_fee_recipient: field(o, 'proposer_fee_recipient', ADDRESS, at),
    gas_limit: num(o, 'gas_limit', at)!,
    gas_used: num(o, 'gas_used', at)!,
    value,
    ...(blockNumber !== undefined ? { block_number: blockNumber } : {}),
    ...(numTx !== undefined ? { num_tx: numTx } : {}),
  };
}

export interface PageRequest {
  /** Highest slot to return. */
  cursor?: number;
  limit: number;
}

export class RelayDataApi {
  readonly label: string;
  private readonly base: URL;

  /** `url` may carry a key (path or query); it stays out of every message and label. */
  constructor(url: string, private readonly o: { timeoutMs?: number; signal?: AbortSignal; label?: string } = {}) {
    this.label = o.label ?? endpointLabel(url);
    this.base = new URL(url);
  }

  /** One page, newest slot first (as the spec orders it). */
  async deliveredPage(req: PageRequest): Promise<DeliveredPayload[]> {
    const u = new URL(this.base);
    u.pathname = `${u.pathname.replace(/\/+$/, '')}${PAYLOAD_DELIVERED_PATH}`;
    if (req.cursor !== undefined) u.searchParams.set('cursor', String(req.cursor));
    u.searchParams.set('limit', String(Math.min(MAX_PAGE_LIMIT, Math.max(1, req.limit))));
    const what = `relay ${this.label} proposer_payload_delivered`;
    const { json } = await getJson(u, what, { timeoutMs: this.o.timeoutMs ?? 10_000, signal: this.o.signal });
    if (!Array.isArray(json)) throw new ClassifiedError('RpcError', `${what}: expected a JSON array of BidTrace objects`);
    return json.map((v, i) => parseBidTrace(v, `${what} [${i}]`));
  }

  /**
   * Every payload delivered for slots `from`…`to` (inclusive), walking pages down from `to` with
   * the cursor. A page that ends inside a slot is continued from that same slot (a slot can have
   * more than one delivery); duplicates are dropped by (slot, block_hash). At most `maxPages`.
   */
  async deliveredBetween(from: number, to: number, o: { limit: number; maxPages?: number }): Promise<{ payloads: DeliveredPayload[]; pages: number; complete: boolean }> {
    const seen = new Set<string>();
    const out: DeliveredPayload[] = [];
    let cursor = to;
    let pages = 0;
    const maxPages = o.maxPages ?? 50;
    while (cursor >= from && pages < maxPages) {
      const page = await this.deliveredPage({ cursor, limit: o.limit });
      pages++;
      for (const p of page) {
        const key = `${p.slot}:${p.block_hash.toLowerCase()}`;
        if (p.slot < from || p.slot > to || seen.has(key)) continue;
        seen.add(key);
        out.push(p);
      }
      if (page.length < Math.min(o.limit, MAX_PAGE_LIMIT)) return { payloads: out, pages, complete: true };
      let lo = Infinity;
      let hi = -Infinity;
      for (const p of page) {
        lo = Math.min(lo, p.slot);
        hi = Math.max(hi, p.slot);
      }
      if (lo < from) return { payloads: out, pages, complete: true };
      // Continue from the lowest slot seen unless the page was all one slot (then below it): always progresses.
      const next = lo < hi ? lo : lo - 1;
      if (next >= cursor) throw new ClassifiedError('RpcError', `relay ${this.label} proposer_payload_delivered: page for cursor ${cursor} is not ordered by slot, newest first`);
      cursor = next;
    }
    return { payloads: out, pages, complete: cursor < from };
  }
}
