// A loopback stand-in for a block explorer's API. No Etherscan or Blockscout can run here, so this
// server follows Etherscan's documented shapes exactly and is the boundary of the explorer tests:
//   GET /api?module=proxy&action=eth_getBlockByNumber&tag=0x…&boolean=false&apikey=KEY
//     → 200 {"jsonrpc":"2.0","id":1,"result":{…block as the node returns it…}}   (result null: no such block)
//   GET /api?module=proxy&action=eth_blockNumber&apikey=KEY → {"jsonrpc":"2.0","id":1,"result":"0x…"}
//   a bad or missing key  → 200 {"status":"0","message":"NOTOK","result":"Invalid API Key"}
//   over the rate limit   → 200 {"status":"0","message":"NOTOK","result":"Max rate limit reached"}
// Blockscout serves the same proxy module under /api (keys optional): `requireKey: false` answers so.
// The blocks come from a real anvil node over JSON-RPC, so their hashes are the chain's.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ExplorerPeerOptions {
  /** JSON-RPC URL of the node whose blocks the explorer serves. */
  nodeUrl: string;
  apiKey?: string;
  /** Blockscout: no key needed. Default true (Etherscan). */
  requireKey?: boolean;
}

export class ExplorerPeer {
  /** Every request's query string as received (the key included: the test checks where it went). */
  readonly requests: URLSearchParams[] = [];
  private rateLimited = 0;
  private server?: Server;
  url = '';

  constructor(private readonly o: ExplorerPeerOptions) {}

  /** Answer the next `n` requests with the rate-limit refusal. */
  rateLimitNext(n: number): void {
    this.rateLimited = n;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.answer(new URL(req.url ?? '/', 'http://127.0.0.1')).then(
        (body) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(err.message);
        },
      );
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
    return this.url;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async answer(u: URL): Promise<unknown> {
    const q = u.searchParams;
    this.requests.push(q);
    const notok = (result: string) => ({ status: '0', message: 'NOTOK', result });
    if (u.pathname !== '/api') return notok('Error! Invalid endpoint');
    if (this.rateLimited > 0) {
      this.rateLimited--;
      return notok('Max rate limit reached');
    }
    if ((this.o.requireKey ?? true) && q.get('apikey') !== this.o.apiKey) return notok('Invalid API Key');
    if (q.get('module') !== 'proxy') return notok('Error! Missing Or invalid Module name');
    const action = q.get('action');
    let result: unknown;
    if (action === 'eth_blockNumber') result = await this.rpc('eth_blockNumber', []);
    else if (action === 'eth_getBlockByNumber') {
      const tag = q.get('tag') ?? '';
      if (!/^0x[0-9a-fA-F]+$/.test(tag)) return { jsonrpc: '2.0', id: 1, error: { code: -32602, message: 'invalid argument 0: hex string without 0x prefix' } };
      result = await this.rpc('eth_getBlockByNumber', [tag, q.get('boolean') === 'true']);
    } else return notok('Error! Missing Or invalid Action name');
    return { jsonrpc: '2.0', id: 1, result };
  }

  private async rpc(method: string, params: unknown[]): Promise<unknown> {
    const res = await fetch(this.o.nodeUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) });
    const body = (await res.json()) as { result?: unknown; error?: { message: string } };
    if (body.error) throw new Error(body.error.message);
    return body.result;
  }
}
