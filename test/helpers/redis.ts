// A throwaway Redis server for tests: Debian's redis-server on 127.0.0.1 with a free port, its own
// temp directory, append-only file fsynced on every write (so a kill -9 keeps what it acknowledged,
// as a relay's persistent Redis would), no RDB snapshots. kill()/restart() stage outages; every
// wait has a deadline.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './anvil';
import { PeerProcess } from './peerProcess';

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
  private readonly proc = new PeerProcess();

  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  log(): string {
    return this.proc.log();
  }

  start(timeoutMs = 15_000): Promise<void> {
    return this.proc.start({
      name: 'redis-server',
      bin: BIN,
      args: ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--daemonize', 'no', '--protected-mode', 'yes'],
      ready: async () => (await redisCommand(this.port, ['PING'], 500)).startsWith('+PONG'),
      timeoutMs,
      intervalMs: 50,
    });
  }

  /** SIGKILL (a crash): clients see their connections die. */
  kill(): Promise<void> {
    return this.proc.kill();
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
