// A relay's public Data API on loopback, for tests. No relay implementation can run here, so this
// small server is the boundary, and it follows the public relay specification's shapes exactly
// (relay-specs, Data API, GET /relay/v1/data/bidtraces/proposer_payload_delivered):
// - query parameters `slot`, `cursor`, `limit`, `block_hash`, `block_number`, `proposer_pubkey`,
//   `builder_pubkey`, `order_by` (`value` / `-value`); `slot` and `cursor` together are refused
//   (400 "cannot specify both slot and cursor"), `limit` above 200 too (400 "maximum limit is 200");
// - `cursor` is the highest slot returned; results are ordered by slot, newest first; default limit 200;
// - the answer is a JSON array of BidTrace objects whose numbers are decimal strings: slot,
//   parent_hash, block_hash, builder_pubkey, proposer_pubkey, proposer_fee_recipient, gas_limit,
//   gas_used, value, block_number, num_tx;
// - errors are JSON `{"code": <status>, "message": "..."}` as the reference relay writes them.
// The test feeds it the payloads; it records every request so paging can be asserted.
import { createServer, type Server } from 'node:http';

export interface BidTrace {
  slot: string;
  parent_hash: string;
  block_hash: string;
  builder_pubkey: string;
  proposer_pubkey: string;
  proposer_fee_recipient: string;
  gas_limit: string;
  gas_used: string;
  value: string;
  block_number: string;
  num_tx: string;
}

export const DATA_API_PATH = '/relay/v1/data/bidtraces/proposer_payload_delivered';
const MAX_LIMIT = 200;

export class RelayDataApiServer {
  private server?: Server;
  payloads: BidTrace[] = [];
  /** Query strings of every request to the Data API path, in order. */
  readonly requests: URLSearchParams[] = [];
  /** Answer the next N requests with this status (429 with Retry-After: 0 to test rate limiting). */
  failNext: { status: number; count: number; retryAfter?: string } | undefined;
  port = 0;

  /** `keyPath`: when set, only that path prefix is served (a relay URL carrying a key in its path). */
  constructor(private readonly o: { keyPath?: string } = {}) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}${this.o.keyPath ?? ''}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://127.0.0.1');
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'GET' || u.pathname !== `${this.o.keyPath ?? ''}${DATA_API_PATH}`) return send(404, { code: 404, message: 'not found' });
      this.requests.push(u.searchParams);
      if (this.failNext && this.failNext.count > 0) {
        this.failNext.count--;
        const { status, retryAfter } = this.failNext;
        return send(status, { code: status, message: status === 429 ? 'Too Many Requests' : 'internal server error' }, retryAfter !== undefined ? { 'retry-after': retryAfter } : {});
      }
      const q = u.searchParams;
      const num = (name: string): bigint | undefined | null => {
        const v = q.get(name);
        if (v === null || v === '') return undefined;
        return /^\d+$/.test(v) ? BigInt(v) : null;
      };
      if (q.get('slot') && q.get('cursor')) return send(400, { code: 400, message: 'cannot specify both slot and cursor' });
      const slot = num('slot');
      if (slot === null) return send(400, { code: 400, message: 'invalid slot argument' });
      const cursor = num('cursor');
      if (cursor === null) return send(400, { code: 400, message: 'invalid cursor argument' });
      const blockNumber = num('block_number');
      if (blockNumber === null) return send(400, { code: 400, message: 'invalid block_number argument' });
      const limitArg = num('limit');
      if (limitArg === null) return send(400, { code: 400, message: 'invalid limit argument' });
      if (limitArg !== undefined && limitArg > BigInt(MAX_LIMIT)) return send(400, { code: 400, message: `maximum limit is ${MAX_LIMIT}` });
      const limit = Number(limitArg ?? BigInt(MAX_LIMIT));
      const orderBy = q.get('order_by');
      if (orderBy && orderBy !== 'value' && orderBy !== '-value') return send(400, { code: 400, message: 'invalid order_by argument' });
      let rows = this.payloads.filter(
        (p) =>
          (slot === undefined || BigInt(p.slot) === slot) &&
          (cursor === undefined || BigInt(p.slot) <= cursor) &&
          (blockNumber === undefined || BigInt(p.block_number) === blockNumber) &&
          (!q.get('block_hash') || p.block_hash === q.get('block_hash')) &&
          (!q.get('proposer_pubkey') || p.proposer_pubkey === q.get('proposer_pubkey')) &&
          (!q.get('builder_pubkey') || p.builder_pubkey === q.get('builder_pubkey')),
      );
      if (orderBy) rows.sort((a, b) => (BigInt(a.value) < BigInt(b.value) ? -1 : BigInt(a.value) > BigInt(b.value) ? 1 : 0) * (orderBy === 'value' ? 1 : -1));
      else rows.sort((a, b) => Number(BigInt(b.slot) - BigInt(a.slot)));
      rows = rows.slice(0, limit);
      send(200, rows);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
