// A throwaway Redis server for tests: Debian's redis-server on 127.0.0.1 with a free port, its own
// temp directory, append-only file fsynced on every write (so a kill -9 keeps what it acknowledged,
// as a relay's persistent Redis would), no RDB snapshots. kill()/restart() stage outages; every
// wait has a deadline.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './anvil';

const BIN = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

export function redisAvailable(): boolean {
  return existsSync(BIN);
}

/** One RESP command over a fresh socket (no client library: the helper checks the server, not us). */
export function redisCommand(port: number, args: string[], timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ host: '127.0.0.1', port });
    let buf = '';
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error('redis command timed out'));
    }, timeoutMs);
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.endsWith('\r\n')) {
        clearTimeout(t);
        s.end();
        resolve(buf);
      }
    });
    s.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

export class RedisServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  log(): string {
    return this.output;
  }

  async start(timeoutMs = 15_000): Promise<void> {
    const child = spawn(
      BIN,
      ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--protected-mode', 'yes'],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`redis-server exited during start:\n${this.output}`);
      const pong = await redisCommand(this.port, ['PING'], 500).catch(() => '');
      if (pong.startsWith('+PONG')) return;
      if (Date.now() > deadline) throw new Error(`redis-server not ready within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** SIGKILL (a crash): clients see their connections die. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      c.kill('SIGKILL');
    }
    await this.exited;
    this.child = undefined;
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }
}

const servers = new Set<RedisServer>();

export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-redis-'));
  const s = new RedisServer(await freePort(), dir);
  servers.add(s);
  await s.start();
  return s;
}

export async function stopAllRedis(): Promise<void> {
  for (const s of servers) {
    await s.kill();
    rmSync(s.dir, { recursive: true, force: true });
  }
  servers.clear();
}
