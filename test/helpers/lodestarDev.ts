// A real Lodestar 1.5.1 dev chain for tests (recipe: test/peers/lodestar/README.md): 8 genesis
// validators, 2-second slots, validators 0..5 running in the node's process so the slots of
// proposers 6 and 7 are missed — never a whole epoch without blocks (a lone node would stall).
// Loopback only; the node runs in its own process group and stop() kills the group.
// With `executionPayloads`, Bellatrix from genesis with the mock execution engine: every block
// carries an execution payload (block_hash, block_number).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/node/chain/anvil';
import { ROOT } from './cli';
import { waitFor } from './wait';

/** Path of the lodestar binary: $MBM_LODESTAR, else scripts/install-lodestar.sh (cached; about a minute the first time). */
export function lodestarBinary(): string {
  const env = process.env.MBM_LODESTAR;
  if (env && existsSync(env)) return env;
  const out = execFileSync('bash', [path.join(ROOT, 'scripts/install-lodestar.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000 });
  const bin = /MBM_LODESTAR=(.*)$/m.exec(out)?.[1]?.trim();
  if (!bin || !existsSync(bin)) throw new Error(`scripts/install-lodestar.sh did not print MBM_LODESTAR=<path> (got ${JSON.stringify(out.slice(-200))})`);
  return bin;
}

export interface LodestarDevOptions {
  /** Validator indexes run by the node. Default "0..5". */
  startValidators?: string;
  /** Seconds from now to genesis. Default 20 (a node whose validators start after the first epoch would stall). */
  genesisDelaySec?: number;
  executionPayloads?: boolean;
}

export const MOCK_EL_GENESIS_HASH = `0x${'0b'.repeat(32)}`;

export class LodestarDev {
  private child?: ChildProcess;
  private log = '';
  readonly dir = mkdtempSync(path.join(tmpdir(), 'mbm-lodestar-'));
  rest = 0;
  genesisTime = 0;

  get url(): string {
    return `http://127.0.0.1:${this.rest}`;
  }

  /** What the node printed (for failure messages). */
  output(): string {
    return this.log.slice(-4000);
  }

  async start(o: LodestarDevOptions = {}): Promise<void> {
    const bin = lodestarBinary();
    this.rest = await freePort();
    const p2p = await freePort();
    this.genesisTime = Math.floor(Date.now() / 1000) + (o.genesisDelaySec ?? 20);
    const args = [
      'dev', '--dataDir', path.join(this.dir, 'bn'), '--genesisValidators', '8', '--startValidators', o.startValidators ?? '0..5',
      '--genesisTime', String(this.genesisTime), '--params.SECONDS_PER_SLOT', '2',
      '--rest', '--rest.address', '127.0.0.1', '--rest.port', String(this.rest), '--rest.namespace', '*',
      '--listenAddress', '127.0.0.1', '--port', String(p2p), '--discv5', 'false',
      '--beaconNodes', this.url, '--logFile', 'none',
    ];
    if (o.executionPayloads) {
      args.push('--params.ALTAIR_FORK_EPOCH', '0', '--params.BELLATRIX_FORK_EPOCH', '0', '--execution.engineMock', '--suggestedFeeRecipient', `0x${'aa'.repeat(20)}`);
    }
    const nodeArgs = o.executionPayloads ? ['--import', path.join(ROOT, 'test/peers/lodestar/mockEngineHook.mjs'), bin, ...args] : [bin, ...args];
    this.child = spawn(process.execPath, nodeArgs, {
      cwd: this.dir, // genesis.ssz lands here
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MBM_MOCK_EL_GENESIS_HASH: MOCK_EL_GENESIS_HASH },
    });
    const keep = (d: Buffer) => (this.log = (this.log + d.toString()).slice(-200_000));
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    const exited = new Promise<number | null>((r) => this.child!.once('exit', r));
    await Promise.race([
      waitFor('Lodestar REST API', async () => (await fetch(`${this.url}/eth/v1/node/version`)).ok, { timeoutMs: 60_000, intervalMs: 250 }),
      exited.then((code) => {
        throw new Error(`lodestar exited (${code}) before its REST API answered:\n${this.output()}`);
      }),
    ]);
  }

  /** GET a REST path; 404 → null. */
  async get(p: string): Promise<unknown> {
    const res = await fetch(`${this.url}${p}`, { headers: { accept: 'application/json' } });
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`${p}: HTTP ${res.status} ${await res.text()}`);
    return res.json();
  }

  async headSlot(): Promise<number> {
    const j = (await this.get('/eth/v1/beacon/headers/head')) as { data: { header: { message: { slot: string } } } };
    return Number(j.data.header.message.slot);
  }

  /** Wait until the head is at least `slot` (bounded by the slots' own time plus a margin). */
  async waitForSlot(slot: number, timeoutMs = 120_000): Promise<number> {
    return waitFor(`Lodestar head slot ≥ ${slot}`, async () => {
      const h = await this.headSlot();
      return h >= slot ? h : undefined;
    }, { timeoutMs, intervalMs: 500 });
  }

  async stop(): Promise<void> {
    const c = this.child;
    this.child = undefined;
    if (c && c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      try {
        process.kill(-c.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const t = setTimeout(() => {
        try {
          process.kill(-c.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5_000);
      await gone;
      clearTimeout(t);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
