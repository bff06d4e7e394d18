// Test-side HTTP clients for the API: a plain GET that returns status, headers and body; an SSE
// client that parses the stream as EventSource would; a reader of the Prometheus text format; and
// promtool run on an exposition.
import { spawn } from 'node:child_process';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { waitFor } from './wait';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** No keep-alive pool: every request is its own connection, as parallel clients would be. */
const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

export function get(url: string, o: { headers?: Record<string, string>; method?: string; timeoutMs?: number } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error(`${url}: response aborted`)));
    });
    req.setTimeout(o.timeoutMs ?? 20_000, () => req.destroy(new Error(`${url}: no answer within ${o.timeoutMs ?? 20_000} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
  /** Wall clock (ms) when the client had it. */
  at: number;
}

export interface SseClient {
  status: Promise<number>;
  events: SseEvent[];
  /** The first received event (from index `from`) passing `match`, waiting up to timeoutMs. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number, from?: number): Promise<SseEvent>;
  close(): void;
}

/** An EventSource-like reader: `id:`, `event:`, `data:` lines, blank line dispatches, `:` comments skipped. */
export function sse(url: string, headers: Record<string, string> = {}): SseClient {
  const events: SseEvent[] = [];
  let setStatus!: (n: number) => void;
  const status = new Promise<number>((r) => (setStatus = r));
  const req = request(url, { headers: { accept: 'text/event-stream', ...headers }, agent }, (res) => {
    setStatus(res.statusCode!);
    res.setEncoding('utf8');
    let buf = '';
    let cur: Partial<SseEvent> = {};
    res.on('data', (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === '') {
          if (cur.data !== undefined) events.push({ id: cur.id, event: cur.event ?? 'message', data: cur.data, at: Date.now() });
          cur = {};
        } else if (!line.startsWith(':')) {
          const i = line.indexOf(':');
          const field = i === -1 ? line : line.slice(0, i);
          const value = i === -1 ? '' : line.slice(i + 1).replace(/^ /, '');
          if (field === 'data') cur.data = cur.data === undefined ? value : `${cur.data}\n${value}`;
          else if (field === 'id') cur.id = value;
          else if (field === 'event') cur.event = value;
        }
      }
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => setStatus(0));
  req.end();
  return {
    status,
    events,
    next: (match, timeoutMs = 5_000, from = 0) =>
      waitFor(() => events.slice(from).find(match), { timeoutMs, intervalMs: 5, what: `an SSE event from ${url} (have: ${events.map((e) => e.event).join(',') || 'none'})` }),
    close: () => req.destroy(),
  };
}

/** `name{labels}` → value, from the Prometheus text format (labels as printed). */
export function parseExposition(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

/** Sum of every series of `name` (with any labels). */
export function sumOf(m: Map<string, number>, name: string): number {
  let s = 0;
  for (const [k, v] of m) if (k === name || k.startsWith(`${name}{`)) s += v;
  return s;
}

/** `promtool check metrics` on an exposition: exit code and what it said. */
export function promtoolCheck(exposition: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d: Buffer) => (output += d.toString()));
    p.stderr.on('data', (d: Buffer) => (output += d.toString()));
    p.on('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new Error('promtool not found: install the Debian package `prometheus` (apt-get install -y prometheus)') : e),
    );
    p.on('close', (code) => resolve({ code: code ?? -1, output }));
    p.stdin.end(exposition);
  });
}
