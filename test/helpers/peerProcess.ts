// A real peer server a test runs (Redis, Alertmanager, PostgreSQL): spawned in its own process
// group with its output kept for failure messages, ready when its probe answers (bounded, and
// failing at once if it exits during start), killed with its whole group. The helpers for each
// peer (redis.ts, alertmanager.ts, postgres.ts) hold what differs: the command line and the probe.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface PeerStart {
  /** Named in errors ("redis-server exited during start"). */
  name: string;
  bin: string;
  args: readonly string[];
  /** True once the server answers. A throw counts as not yet. */
  ready: () => Promise<boolean>;
  timeoutMs: number;
  /** Pause between probes. Default 100 ms. */
  intervalMs?: number;
  /** Extra spawn options (uid/gid); stdio is piped and the group detached regardless. */
  spawn?: Pick<SpawnOptions, 'uid' | 'gid' | 'env'>;
}

export class PeerProcess {
  private child: ChildProcess | undefined;
  private exitedP: Promise<void> = Promise.resolve();
  private out = '';

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    const c = this.child;
    return c !== undefined && c.exitCode === null && c.signalCode === null;
  }

  /** Resolves when the current process has exited. */
  get exited(): Promise<void> {
    return this.exitedP;
  }

  /** Everything the server wrote so far (all starts). */
  log(): string {
    return this.out;
  }

  /** Spawn and wait until `ready` answers, within timeoutMs; throws with the server's output otherwise. */
  async start(o: PeerStart): Promise<void> {
    const child = spawn(o.bin, o.args, { ...o.spawn, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.exitedP = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', (e) => ((this.out += `\n${e.message}`), resolve()));
    });
    const deadline = Date.now() + o.timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${o.name} exited during start:\n${this.out}`);
      if (await o.ready().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`${o.name} not ready within ${o.timeoutMs} ms:\n${this.out}`);
      await new Promise((r) => setTimeout(r, o.intervalMs ?? 100));
    }
  }

  /** Send `signal` to the server process only (a graceful stop), or nothing when it is not running. */
  signal(signal: NodeJS.Signals): boolean {
    if (!this.running) return false;
    return this.child!.kill(signal);
  }

  /** SIGKILL the whole process group (a crash: clients see their connections die); waits for the exit. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || !this.running) return;
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      c.kill('SIGKILL');
    }
    await this.exitedP;
    this.child = undefined;
  }

  /** Forget the process (after a stop that waited for its exit). */
  clear(): void {
    this.child = undefined;
  }
}
