// JSON-RPC over one WebSocket (the `ws` package, which ethers already brings). Connects lazily,
// never reconnects by itself (the WS source owns the reconnect policy), and turns a closed socket
// into ConnectionLost for every request still waiting. 'error' is always listened to, so a dead
// endpoint can never crash the process with an unhandled 'error' event.
import { ClassifiedError, SocketClosedError, toClassified } from './errors';
import { DEFAULT_TIMEOUT_MS, NOT_JSON_RPC_SHAPE, outcomesOf, resultOf, type RpcCall, type RpcOutcome, type RpcTransport, type TransportOptions } from './rpc';

/** The part of ws.WebSocket we use (no @types/ws in the project). */
interface WsSocket {
  readonly readyState: number;
  send(data: string, cb?: (err?: Error) => void): void;
  close(code?: number): void;
  terminate(): void;
  on(ev: 'open', l: () => void): this;
  on(ev: 'message', l: (data: Buffer | string) => void): this;
  on(ev: 'error', l: (err: Error) => void): this;
  on(ev: 'close', l: (code: number) => void): this;
}
type WsCtor = new (url: string, opts?: { handshakeTimeout?: number; headers?: Record<string, string> }) => WsSocket;
const WebSocketCtor = require('ws') as WsCtor;
const OPEN = 1;

export interface WsRpcOptions extends TransportOptions {
  /** `eth_subscription` pushes: (subscription id, result). */
  onNotification?: (subscription: string, result: unknown) => void;
  /** The socket closed without close() being called. */
  onClose?: (err: ClassifiedError) => void;
}

interface Pending {
  resolve: (body: unknown) => void;
  reject: (err: ClassifiedError) => void;
  timer: NodeJS.Timeout;
}

export class WsRpcClient implements RpcTransport {
  private ws: WsSocket | undefined;
  private opening: Promise<WsSocket> | undefined;
  private nextId = 1;
  /** Keyed by request id; a batch is keyed by its first id. */
  private readonly pending = new Map<number, Pending>();
  private readonly timeoutMs: number;
  private readonly label: string;

  constructor(
    readonly url: string,
    private readonly opts: WsRpcOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.label = opts.label ?? 'ws';
  }

  get connected(): boolean {
    return this.ws?.readyState === OPEN;
  }

  /** Open the socket if it is not open (bounded by the timeout). */
  connect(): Promise<void> {
    return this.socket().then(() => undefined);
  }

  async call<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    const id = this.nextId++;
    const what = `${this.label} ${method}`;
    const body = await this.send(id, { jsonrpc: '2.0', id, method, params }, what);
    return resultOf(body, what) as T;
  }

  async batch(calls: readonly RpcCall[]): Promise<RpcOutcome[]> {
    if (calls.length === 0) return [];
    const ids = calls.map(() => this.nextId++);
    const what = `${this.label} batch(${calls.length}× ${calls[0]!.method})`;
    const body = await this.send(ids[0]!, calls.map((c, i) => ({ jsonrpc: '2.0', id: ids[i], method: c.method, params: c.params ?? [] })), what);
    return outcomesOf(body, ids, what);
  }

  async close(): Promise<void> {
    const ws = this.ws;
    this.ws = undefined;
    this.opening = undefined;
    this.failAll(new ClassifiedError('ConnectionLost', `${this.label}: closed by client`));
    if (ws) ws.terminate();
  }

  private socket(): Promise<WsSocket> {
    if (this.ws?.readyState === OPEN) return Promise.resolve(this.ws);
    this.opening ??= new Promise<WsSocket>((resolve, reject) => {
      const ws = new WebSocketCtor(this.url, { handshakeTimeout: this.timeoutMs, headers: this.opts.headers });
      let opened = false;
      ws.on('open', () => {
        opened = true;
        this.ws = ws;
        this.opening = undefined;
        resolve(ws);
      });
      ws.on('message', (data) => this.onMessage(String(data)));
      ws.on('error', (err) => {
        if (!opened) {
          if (this.opening) this.opening = undefined;
          reject(toClassified(err, `${this.label} connect`));
          ws.terminate();
        }
        // After open, 'close' follows every 'error' and does the cleanup.
      });
      ws.on('close', (code) => {
        if (!opened) {
          this.opening = undefined;
          reject(new ClassifiedError('ConnectionLost', `${this.label}: socket closed while connecting`, { cause: new SocketClosedError(code) }));
          return;
        }
        if (this.ws !== ws) return; // closed by close(), already handled
        this.ws = undefined;
        const err = new ClassifiedError('ConnectionLost', `${this.label}: socket closed (code ${code})`, { cause: new SocketClosedError(code) });
        this.failAll(err);
        this.opts.onClose?.(err);
      });
    });
    return this.opening;
  }

  private async send(id: number, payload: unknown, what: string): Promise<unknown> {
    const ws = await this.socket();
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ClassifiedError('Timeout', `${what}: no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify(payload), (err) => {
        if (!err) return;
        const p = this.pending.get(id);
        if (!p) return;
        this.pending.delete(id);
        clearTimeout(p.timer);
        p.reject(toClassified(err, what));
      });
    });
  }

  private onMessage(text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      // A JSON-RPC endpoint only ever sends JSON: whatever this is, nothing waiting will be answered.
      this.failAll(new ClassifiedError('RpcError', `${this.label}: a message that is not JSON`, { detail: 'not JSON-RPC: the endpoint sent a message that is not JSON' }));
      return;
    }
    const first = Array.isArray(msg) ? msg[0] : msg;
    const o = first as Record<string, unknown> | null;
    if (!o || typeof o !== 'object') {
      this.failAll(new ClassifiedError('RpcError', `${this.label}: a message that is not a JSON-RPC object`, { detail: NOT_JSON_RPC_SHAPE }));
      return;
    }
    if (!Array.isArray(msg) && o.method === 'eth_subscription') {
      const params = o.params as { subscription?: unknown; result?: unknown } | undefined;
      if (params && typeof params.subscription === 'string') this.opts.onNotification?.(params.subscription, params.result);
      return;
    }
    // A batch answer may be reordered: find whichever of its ids we are waiting on.
    const ids = (Array.isArray(msg) ? msg : [msg]).map((r) => (r as Record<string, unknown> | null)?.id);
    for (const id of ids) {
      const p = typeof id === 'number' ? this.pending.get(id) : undefined;
      if (!p) continue;
      this.pending.delete(id as number);
      clearTimeout(p.timer);
      p.resolve(msg);
      return;
    }
  }

  private failAll(err: ClassifiedError): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(err);
    }
  }
}
