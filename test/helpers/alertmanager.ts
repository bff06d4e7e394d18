// A throwaway Prometheus Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1: a config
// with one receiver that sends nowhere, its own storage directory, clustering off
// (--cluster.listen-address=). Its v2 API is what the tests read. Every wait has a deadline.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './anvil';
import { PeerProcess } from './peerProcess';

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
  private readonly proc = new PeerProcess();

  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  log(): string {
    return this.proc.log();
  }

  async start(timeoutMs = 20_000): Promise<void> {
    const cfg = path.join(this.dir, 'alertmanager.yml');
    writeFileSync(cfg, "route:\n  receiver: 'nowhere'\n  group_wait: 1h\nreceivers:\n  - name: 'nowhere'\n");
    await this.proc.start({
      name: 'alertmanager',
      bin: BIN,
      args: [`--config.file=${cfg}`, `--storage.path=${path.join(this.dir, 'data')}`, `--web.listen-address=127.0.0.1:${this.port}`, '--cluster.listen-address=', '--log.level=warn'],
      ready: () => fetch(`${this.url}/-/ready`).then((r) => r.ok),
      timeoutMs,
    });
  }

  /** GET /api/v2/alerts (active only unless told otherwise). */
  async alerts(query = 'active=true&silenced=true&inhibited=true&unprocessed=true'): Promise<AmAlert[]> {
    const r = await fetch(`${this.url}/api/v2/alerts?${query}`);
    if (!r.ok) throw new Error(`alertmanager GET alerts: HTTP ${r.status}`);
    return (await r.json()) as AmAlert[];
  }

  stop(): Promise<void> {
    return this.proc.kill();
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
