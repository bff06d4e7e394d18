// A throwaway Prometheus Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1: a config
// with one receiver that sends nowhere, its own storage directory, clustering off
// (--cluster.listen-address=). Its v2 API is what the tests read. Every wait has a deadline.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './anvil';

const BIN = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
  status: { state: string };
}

export class AlertmanagerServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  log(): string {
    return this.output;
  }

  async start(timeoutMs = 20_000): Promise<void> {
    const cfg = path.join(this.dir, 'alertmanager.yml');
    writeFileSync(cfg, "route:\n  receiver: 'nowhere'\n  group_wait: 1h\nreceivers:\n  - name: 'nowhere'\n");
    const child = spawn(
      BIN,
      [`--config.file=${cfg}`, `--storage.path=${path.join(this.dir, 'data')}`, `--web.listen-address=127.0.0.1:${this.port}`, '--cluster.listen-address=', '--log.level=warn'],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`alertmanager exited during start:\n${this.output}`);
      const ok = await fetch(`${this.url}/-/ready`).then((r) => r.ok, () => false);
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`alertmanager not ready within ${timeoutMs} ms:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** GET /api/v2/alerts (active only unless told otherwise). */
  async alerts(query = 'active=true&silenced=true&inhibited=true&unprocessed=true'): Promise<AmAlert[]> {
    const r = await fetch(`${this.url}/api/v2/alerts?${query}`);
    if (!r.ok) throw new Error(`alertmanager GET alerts: HTTP ${r.status}`);
    return (await r.json()) as AmAlert[];
  }

  async stop(): Promise<void> {
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
}

const servers = new Set<AlertmanagerServer>();

export async function startAlertmanager(): Promise<AlertmanagerServer> {
  const s = new AlertmanagerServer(await freePort(), mkdtempSync(path.join(tmpdir(), 'mbm-am-')));
  servers.add(s);
  await s.start();
  return s;
}

export async function stopAllAlertmanagers(): Promise<void> {
  for (const s of servers) {
    await s.stop();
    rmSync(s.dir, { recursive: true, force: true });
  }
  servers.clear();
}
