// A local Lodestar (a real consensus client) dev chain as child processes: beacon nodes and
// validator clients on loopback, each in its own process group (kill reaches all it spawned, and a
// kill -9 is a real outage), each with a throwaway directory. The one Lodestar launcher: used by
// `mbm demo --beacon` and every test that runs Lodestar (through test/helpers/lodestar.ts).
// Lodestar itself is installed by scripts/install-lodestar.sh (pinned 1.5.1, cached under
// ~/.cache/mbm-lodestar/<hash>/).
//
// With `executionPayloads`, the chain is Bellatrix from genesis with Lodestar's mock execution
// engine, so every block carries an execution payload (block_hash, block_number); the mock's
// genesis hash is set by a module preloaded into the node (`preload`, see
// test/peers/lodestar/README.md, "Execution payloads").
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { trackGroup, untrackGroup } from '../processGroups';

/**
 * The lodestar executable: $MBM_LODESTAR, else the newest complete install under
 * $MBM_LODESTAR_CACHE or ~/.cache/mbm-lodestar/ (one with its `.installed` stamp); undefined when none.
 */
export function lodestarBinary(): string | undefined {
  if (process.env.MBM_LODESTAR) return process.env.MBM_LODESTAR;
  const cache = process.env.MBM_LODESTAR_CACHE ?? join(homedir(), '.cache', 'mbm-lodestar');
  let best: { bin: string; at: number } | undefined;
  try {
    for (const d of readdirSync(cache)) {
      const stamp = join(cache, d, '.installed');
      const bin = join(cache, d, 'node_modules', '.bin', 'lodestar');
      if (!existsSync(stamp) || !existsSync(bin)) continue;
      const at = statSync(stamp).mtimeMs;
      if (!best || at > best.at) best = { bin, at };
    }
  } catch {
    return undefined;
  }
  return best?.bin;
}

/** Fee recipient of the dev chain's payloads (execution payloads on). */
const FEE_RECIPIENT = `0x${'aa'.repeat(20)}`;


function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)))]).finally(() => clearTimeout(timer));
}

/** One lodestar process (beacon node or validator client), restartable with the same arguments and directory. */
export class LodestarProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly binary: string,
    readonly args: readonly string[],
    /** Working directory (genesis.ssz lands here) and where `log` is written. */
    readonly dir: string,
    readonly name: string,
    /** A module to run with `node --import` before Lodestar, and variables added to its environment. */
    readonly launch: { preload?: string; env?: Record<string, string> } = {},
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get logFile(): string {
    return join(this.dir, `${this.name}.log`);
  }

  start(): void {
    if (this.running) return;
    mkdirSync(this.dir, { recursive: true });
    const fd = openSync(this.logFile, 'a');
    try {
      const { preload, env } = this.launch;
      const [cmd, argv] = preload ? [process.execPath, ['--import', preload, this.binary, ...this.args]] : [this.binary, [...this.args]];
      const child = spawn(cmd, argv, { cwd: this.dir, detached: true, stdio: ['ignore', fd, fd], env: env ? { ...process.env, ...env } : process.env });
      this.child = child;
      const pid = child.pid!;
      trackGroup(pid);
      this.exited = new Promise<void>((r) => child.once('exit', () => r())).finally(() => untrackGroup(pid));
      child.once('error', () => undefined);
    } finally {
      closeSync(fd);
    }
  }

  /** Signal the whole process group and wait (bounded) for the exit. Default SIGKILL: an outage. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const pid = this.child?.pid;
    if (!pid || !this.running) return;
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
    if (!(await within(this.exited, 8_000)) && signal !== 'SIGKILL') await this.kill('SIGKILL');
  }

  /** SIGTERM, SIGKILL after 5 s. */
  stop(): Promise<void> {
    return this.kill('SIGTERM');
  }
}

export interface DevChainOptions {
  binary?: string;
  /** Unix seconds; the same for every node of one chain. Default: 15 s from now. */
  genesisTime?: number;
  genesisValidators?: number;
  secondsPerSlot?: number;
  /** Parent of the throwaway directories. Default: a new one under the OS temp dir. */
  root?: string;
  /**
   * Bellatrix from genesis with the mock execution engine (blocks carry execution payloads).
   * `preload` is a module run with `node --import` before Lodestar (it gives the mock its genesis
   * hash from `env`); `env` is added to every process of the chain.
   */
  executionPayloads?: { preload: string; env: Record<string, string> };
}

/** One dev chain: its beacon nodes and validator clients share genesis; stop() ends them all and removes the directories. */
export class LodestarDevChain {
  readonly binary: string;
  readonly genesisTime: number;
  readonly secondsPerSlot: number;
  readonly genesisValidators: number;
  readonly root: string;
  private readonly procs: LodestarProcess[] = [];
  private readonly payloads: DevChainOptions['executionPayloads'];

  constructor(o: DevChainOptions = {}) {
    const bin = o.binary ?? lodestarBinary();
    if (!bin) throw new Error('Lodestar is not installed: run scripts/install-lodestar.sh (or set MBM_LODESTAR)');
    this.binary = bin;
    this.genesisTime = o.genesisTime ?? Math.floor(Date.now() / 1000) + 15;
    this.secondsPerSlot = o.secondsPerSlot ?? 2;
    this.genesisValidators = o.genesisValidators ?? 8;
    this.root = o.root ?? mkdtempSync(join(tmpdir(), 'mbm-lodestar-'));
    this.payloads = o.executionPayloads;
  }

  private params(): string[] {
    const forks = this.payloads ? ['--params.ALTAIR_FORK_EPOCH', '0', '--params.BELLATRIX_FORK_EPOCH', '0'] : [];
    return ['--params.SECONDS_PER_SLOT', String(this.secondsPerSlot), ...forks];
  }

  private launchOptions(): { preload?: string; env?: Record<string, string> } {
    return this.payloads ? { preload: this.payloads.preload, env: this.payloads.env } : {};
  }

  /** A beacon node (no validators unless `startValidators`, e.g. "0..5") with REST on 127.0.0.1:restPort. */
  beaconNode(name: string, restPort: number, p2pPort: number, o: { startValidators?: string } = {}): LodestarBeacon {
    const dir = join(this.root, name);
    const url = `http://127.0.0.1:${restPort}`;
    const args = [
      'dev', '--dataDir', join(dir, 'data'), '--genesisValidators', String(this.genesisValidators), '--genesisTime', String(this.genesisTime),
      ...this.params(),
      '--rest', '--rest.address', '127.0.0.1', '--rest.port', String(restPort), '--rest.namespace', '*',
      '--listenAddress', '127.0.0.1', '--port', String(p2pPort), '--discv5', 'false', '--logFile', 'none',
      ...(o.startValidators ? ['--startValidators', o.startValidators, '--beaconNodes', url] : []),
      ...(this.payloads ? ['--execution.engineMock', '--suggestedFeeRecipient', FEE_RECIPIENT] : []),
    ];
    const p = new LodestarBeacon(this.binary, args, dir, name, url, p2pPort, this.launchOptions());
    this.procs.push(p);
    return p;
  }

  /** A validator client for interop keys `indexes` ("0..5") attached to `beacon`. */
  validator(name: string, beacon: LodestarBeacon, indexes: string): LodestarProcess {
    const dir = join(this.root, name);
    const args = ['validator', '--network', 'dev', ...this.params(), '--dataDir', join(dir, 'data'), '--beaconNodes', beacon.url, '--interopIndexes', indexes, '--logFile', 'none'];
    if (this.payloads) args.push('--suggestedFeeRecipient', FEE_RECIPIENT);
    const p = new LodestarProcess(this.binary, args, dir, name, this.launchOptions());
    this.procs.push(p);
    return p;
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop()));
    rmSync(this.root, { recursive: true, force: true });
  }
}

export class LodestarBeacon extends LodestarProcess {
  constructor(
    binary: string,
    args: readonly string[],
    dir: string,
    name: string,
    readonly url: string,
    readonly p2pPort: number,
    launch: { preload?: string; env?: Record<string, string> } = {},
  ) {
    super(binary, args, dir, name, launch);
  }

  /** Start and wait (bounded) until the REST API answers. */
  async startAndWait(timeoutMs = 30_000): Promise<void> {
    this.start();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const res = await fetch(`${this.url}/eth/v1/node/version`, { signal: AbortSignal.timeout(2_000) });
        if (res.ok) return;
      } catch {
        /* not yet */
      }
      if (!this.running) throw new Error(`lodestar ${this.name} exited during start (see ${this.logFile})`);
      if (Date.now() > deadline) throw new Error(`lodestar ${this.name}: REST API not answering after ${timeoutMs} ms (see ${this.logFile})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Dial another node (discovery is off): `/eth/v1/lodestar/connect_peer`. */
  async connectTo(peer: LodestarBeacon): Promise<void> {
    const id = ((await (await fetch(`${peer.url}/eth/v1/node/identity`)).json()) as { data: { peer_id: string } }).data.peer_id;
    const res = await fetch(`${this.url}/eth/v1/lodestar/connect_peer?peerId=${id}&multiaddr=/ip4/127.0.0.1/tcp/${peer.p2pPort}`, { method: 'POST' });
    if (!res.ok) throw new Error(`connect_peer ${this.name} → ${peer.name}: HTTP ${res.status} ${await res.text()}`);
  }
}
