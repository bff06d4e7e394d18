// A local anvil node as a child process: used by `mbm demo` and by the integration tests (through
// test/helpers/anvil.ts). Pure Node, no test dependencies. Anvil runs detached in its own process
// group so that kill() reaches everything it spawned and a kill -9 is a real outage.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { HttpRpcClient } from './rpc';
import { trackGroup, untrackGroup } from '../processGroups';

export interface AnvilOptions {
  /** Loopback port; a free one is picked when omitted. */
  port?: number;
  /** Seconds between blocks (interval mining); omitted = automine (blocks only on tx / evm_mine). */
  blockTime?: number;
  chainId?: number;
  extraArgs?: string[];
  /**
   * Keep the chain across kill/restart: anvil dumps its state every second and reloads it on
   * start, so a restarted node comes back with the blocks it had (as a real node would).
   */
  persist?: boolean;
  /** Bound on waiting for the RPC to answer after (re)start. Default 15 s. */
  readyTimeoutMs?: number;
  /** Override the binary (default: anvilBinary()). */
  binary?: string;
}

const PLATFORM_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };

/**
 * Path of the anvil executable from npm `@foundry-rs/anvil-<os>-<arch>`, made executable if it is
 * not (npm 11 skips the package's install script that would chmod it). $ANVIL_BIN overrides;
 * falls back to `anvil` on PATH when the npm package is absent (e.g. an installed `mbm`).
 */
export function anvilBinary(): string {
  if (process.env.ANVIL_BIN) return process.env.ANVIL_BIN;
  const os = process.platform === 'win32' ? 'win32' : process.platform;
  const pkg = `@foundry-rs/anvil-${os}-${PLATFORM_ARCH[process.arch] ?? process.arch}`;
  let bin: string;
  try {
    bin = join(dirname(require.resolve(`${pkg}/package.json`)), 'bin', os === 'win32' ? 'anvil.exe' : 'anvil');
  } catch {
    return 'anvil';
  }
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    chmodSync(bin, statSync(bin).mode | 0o111);
  }
  return bin;
}

/** Whether anvilBinary() names a program that exists (the npm package, $ANVIL_BIN, or `anvil` on PATH). */
export function anvilAvailable(): boolean {
  let bin: string;
  try {
    bin = anvilBinary();
  } catch {
    return false;
  }
  const dirs = bin.includes('/') ? [''] : (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  return dirs.some((d) => {
    try {
      accessSync(d ? join(d, bin) : bin, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** What to tell a user who has no anvil (an installed `mbm` does not bring the test node along). */
export const ANVIL_HINT =
  'mbm demo runs a local anvil node, which is not installed here: `npm install -g @foundry-rs/anvil` ' +
  '(or Foundry\'s foundryup), or point ANVIL_BIN at an anvil binary';

/** A port nobody listens on right now (bind 0, read, release). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}


const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** true if `p` settles within ms; the timer is cleared so it never holds the process open. */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(() => true),
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms))),
  ]).finally(() => clearTimeout(timer));
}

export class AnvilNode {
  readonly url: string;
  readonly wsUrl: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private readonly client: HttpRpcClient;
  private readonly dir: string;

  constructor(
    readonly port: number,
    private readonly opts: AnvilOptions,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.wsUrl = `ws://127.0.0.1:${port}`;
    this.client = new HttpRpcClient(this.url, { timeoutMs: 5_000, label: `anvil:${port}` });
    this.dir = mkdtempSync(join(tmpdir(), 'mbm-anvil-'));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Anvil's recent stdout/stderr, for failure messages. */
  output(): string {
    try {
      return readFileSync(join(this.dir, 'anvil.log'), 'utf8').slice(-4000);
    } catch {
      return '';
    }
  }

  /** With `persist`: the head block number in anvil's last state dump (undefined before the first). */
  persistedHead(): number | undefined {
    try {
      const n = (JSON.parse(readFileSync(join(this.dir, 'state.json'), 'utf8')) as { best_block_number?: unknown }).best_block_number;
      return typeof n === 'number' ? n : typeof n === 'string' ? Number(n) : undefined;
    } catch {
      return undefined; // not written yet, or caught mid-write
    }
  }

  /** Spawn and wait until eth_chainId answers (bounded); rejects if anvil exits first. */
  async start(): Promise<void> {
    if (this.running) return;
    const o = this.opts;
    const args = ['--host', '127.0.0.1', '--port', String(this.port)];
    if (o.blockTime !== undefined) args.push('--block-time', String(o.blockTime));
    if (o.chainId !== undefined) args.push('--chain-id', String(o.chainId));
    if (o.persist) args.push('--state', join(this.dir, 'state.json'), '--state-interval', '1');
    args.push(...(o.extraArgs ?? []));
    // Output goes to a file, not a pipe: a pipe nobody drains would stall anvil, and a file keeps
    // our event loop free of handles so unref() below works.
    const fd = openSync(join(this.dir, 'anvil.log'), 'a');
    let child: ChildProcess;
    try {
      child = spawn(o.binary ?? anvilBinary(), args, { detached: true, stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    const pgid = child.pid;
    if (pgid === undefined) throw new Error('anvil did not start (no pid)');
    trackGroup(pgid);
    child.unref();
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        untrackGroup(pgid);
        resolve();
      });
      child.once('error', () => {
        untrackGroup(pgid);
        resolve();
      });
    });
    const deadline = Date.now() + (o.readyTimeoutMs ?? 15_000);
    let gone = false;
    void this.exited.then(() => (gone = true));
    for (;;) {
      if (gone) throw new Error(`anvil exited during start (port ${this.port}):\n${this.output()}`);
      try {
        await this.client.call('eth_chainId');
        return;
      } catch {
        if (Date.now() > deadline) {
          await this.kill('SIGKILL');
          throw new Error(`anvil on port ${this.port} did not answer within ${o.readyTimeoutMs ?? 15_000} ms:\n${this.output()}`);
        }
        await sleep(50);
      }
    }
  }

  /** Raw JSON-RPC call; throws ClassifiedError. */
  rpc<T = unknown>(method: string, params: readonly unknown[] = []): Promise<T> {
    return this.client.call<T>(method, params);
  }

  async blockNumber(): Promise<number> {
    return Number(await this.rpc<string>('eth_blockNumber'));
  }

  /** Mine n blocks now; resolves with the new head number. */
  async mine(n = 1): Promise<number> {
    await this.rpc('anvil_mine', [`0x${n.toString(16)}`]);
    return this.blockNumber();
  }

  setNextTimestamp(ts: number): Promise<unknown> {
    return this.rpc('evm_setNextBlockTimestamp', [ts]);
  }

  /** 0 stops interval mining (the node then only mines on demand). */
  setIntervalMining(seconds: number): Promise<unknown> {
    return this.rpc('evm_setIntervalMining', [seconds]);
  }

  setAutomine(on: boolean): Promise<unknown> {
    return this.rpc('evm_setAutomine', [on]);
  }

  /** Replace the last `depth` blocks with new ones (same numbers, new hashes). */
  reorg(depth: number): Promise<unknown> {
    return this.rpc('anvil_reorg', [depth, []]);
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
    await within(this.exited, 5_000);
  }

  /** Start again on the same port (after kill, or kill now if still running). */
  async restart(): Promise<void> {
    await this.kill('SIGKILL');
    await this.start();
  }

  /** Graceful stop (SIGTERM, then SIGKILL after 3 s) and remove the temp dir. */
  async stop(): Promise<void> {
    if (this.running) {
      const pid = this.child!.pid!;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      if (!(await within(this.exited, 3_000))) await this.kill('SIGKILL');
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Start anvil on 127.0.0.1. Without a port, picks a free one (retrying if another process wins the race). */
export async function startAnvil(opts: AnvilOptions = {}): Promise<AnvilNode> {
  for (let attempt = 1; ; attempt++) {
    const node = new AnvilNode(opts.port ?? (await freePort()), opts);
    try {
      await node.start();
      return node;
    } catch (err) {
      await node.stop();
      if (opts.port !== undefined || attempt >= 3) throw err;
    }
  }
}
