// A throwaway PostgreSQL server for tests: initdb into a temp directory and `postgres` on
// 127.0.0.1 with a free port (socket in the same temp directory), fsync off (commits stay
// synchronous: a kill -9 must not lose what the server acknowledged). Running as root, the
// server runs as the `postgres` system user (it refuses root), so the directory is handed to it.
// stop()/kill()/restart() let tests stage outages; every wait has a deadline.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { freePort } from './anvil';
import { PeerProcess } from './peerProcess';

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

function pgUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) throw new Error('running as root needs a `postgres` system user to run the test server');
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

export function postgresAvailable(): boolean {
  return existsSync(path.join(BIN, 'postgres')) && existsSync(path.join(BIN, 'initdb'));
}

export class PgServer {
  readonly port: number;
  readonly dir: string;
  private readonly proc = new PeerProcess();
  private readonly user = pgUser();

  constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  /** Superuser URL of the `postgres` database (or `db`). */
  url(db = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}`;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Server output so far (for assertion messages). */
  log(): string {
    return this.proc.log();
  }

  init(): void {
    const r = spawnSync(path.join(BIN, 'initdb'), ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'], {
      encoding: 'utf8',
      ...(this.user ?? {}),
    });
    if (r.status !== 0) throw new Error(`initdb failed (${r.status}): ${r.stderr || r.stdout}`);
  }

  /** Start `postgres` and wait (bounded) until it accepts connections. */
  start(timeoutMs = 20_000): Promise<void> {
    return this.proc.start({
      name: 'postgres',
      bin: path.join(BIN, 'postgres'),
      args: ['-D', this.dataDir, '-p', String(this.port), '-k', this.dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
      // Its own process group (PeerProcess): kill() takes the backends down with the postmaster, as a crash would.
      spawn: this.user ?? {},
      ready: async () => {
        const c = new Client({ connectionString: this.url(), connectionTimeoutMillis: 1000 });
        c.on('error', () => undefined);
        try {
          await c.connect();
          await c.query('SELECT 1');
          await c.end();
          return true;
        } catch {
          await c.end().catch(() => undefined);
          return false;
        }
      },
      timeoutMs,
    });
  }

  /** SIGKILL the server's whole process group (a crash: clients see their connections die). Waits for the postmaster to exit. */
  kill(): Promise<void> {
    return this.proc.kill();
  }

  /** Immediate shutdown (SIGQUIT), bounded; falls back to SIGKILL. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.proc.signal('SIGQUIT')) return;
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([this.proc.exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
    clearTimeout(timer);
    if (!done) await this.kill();
    this.proc.clear();
  }

  /**
   * Start again on the same port and data. After a SIGKILL the orphaned backends may hold the
   * shared memory for a moment; the start is retried until its deadline.
   */
  async restart(timeoutMs = 30_000): Promise<void> {
    await this.stop();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.start(Math.max(1000, deadline - Date.now()));
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Stop and delete the data directory. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Create a database (fresh per test, so tests do not see each other's rows); returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const c = new Client({ connectionString: this.url() });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${name}"`);
      await c.query(`CREATE DATABASE "${name}"`);
    } finally {
      await c.end();
    }
    return this.url(name);
  }

  /** One query on a short-lived connection. */
  async query<T extends Record<string, unknown> = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query<T>(sql, params)).rows;
    } finally {
      await c.end();
    }
  }
}

const servers = new Set<PgServer>();

/** initdb a temp directory and start a server on a free loopback port. */
export async function startPostgres(): Promise<PgServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-pg-'));
  const user = pgUser();
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chmodSync(dir, 0o700);
  }
  for (let attempt = 1; ; attempt++) {
    const server = new PgServer(await freePort(), dir);
    try {
      if (attempt === 1) server.init();
      await server.start();
      servers.add(server);
      return server;
    } catch (err) {
      await server.stop();
      // A port taken between freePort() and the bind: try another.
      if (attempt >= 3 || !/could not bind|Address already in use/i.test(String(err))) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

/** For after(): stop every server this test file started and delete their data. */
export async function stopAllPostgres(): Promise<void> {
  await Promise.all([...servers].map((s) => s.destroy()));
  servers.clear();
}
