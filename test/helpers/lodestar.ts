// Test side of the one Lodestar launcher (src/node/beacon/lodestar.ts; every Lodestar-using test
// goes through here): finds the binary ($MBM_LODESTAR, else the cache of
// scripts/install-lodestar.sh, installing it there when absent), starts chains on free loopback
// ports with a fixed genesis time in throwaway directories — with execution payloads when asked
// (the mock engine's genesis hash set by test/peers/lodestar/mockEngineHook.mjs) — stops them all
// in one after() hook, and watches a node ON ITS OWN (plain fetch, none of the code under test):
// which slots the node answers 404 for, and whose duty each slot was.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../src/node/chain/anvil';
import { LodestarDevChain, lodestarBinary, type DevChainOptions, type LodestarBeacon } from '../../src/node/beacon/lodestar';
import { ROOT } from './cli';

export { LodestarDevChain, type LodestarBeacon };

const chains = new Set<LodestarDevChain>();

/** Genesis hash of the mock execution engine's chain (execution payloads on). */
export const MOCK_EL_GENESIS_HASH = `0x${'0b'.repeat(32)}`;

/** The binary: $MBM_LODESTAR or the install cache, else installed now by scripts/install-lodestar.sh (cached; about a minute). */
export function requireLodestar(): string {
  const bin = lodestarBinary();
  if (bin && existsSync(bin)) return bin;
  const out = execFileSync('bash', [path.join(ROOT, 'scripts/install-lodestar.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000 });
  const installed = /MBM_LODESTAR=(.*)$/m.exec(out)?.[1]?.trim();
  if (!installed || !existsSync(installed)) throw new Error(`scripts/install-lodestar.sh did not print MBM_LODESTAR=<path> (got ${JSON.stringify(out.slice(-200))})`);
  return installed;
}

/** A dev chain (stopped by stopAllChains). `executionPayloads`: Bellatrix from genesis, blocks carry execution payloads. */
export function newDevChain(o: Omit<DevChainOptions, 'executionPayloads'> & { executionPayloads?: boolean } = {}): LodestarDevChain {
  const { executionPayloads, ...rest } = o;
  const c = new LodestarDevChain({
    binary: requireLodestar(),
    ...rest,
    ...(executionPayloads
      ? { executionPayloads: { preload: path.join(ROOT, 'test/peers/lodestar/mockEngineHook.mjs'), env: { MBM_MOCK_EL_GENESIS_HASH: MOCK_EL_GENESIS_HASH } } }
      : {}),
  });
  chains.add(c);
  return c;
}

/** GET a REST path of a node; 404 → null. */
export async function beaconGet(node: Pick<LodestarBeacon, 'url'>, p: string): Promise<unknown> {
  const res = await fetch(`${node.url}${p}`, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5_000) });
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`${p}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

export async function headSlot(node: Pick<LodestarBeacon, 'url'>): Promise<number> {
  const j = (await beaconGet(node, '/eth/v1/beacon/headers/head')) as { data: { header: { message: { slot: string } } } };
  return Number(j.data.header.message.slot);
}


export async function stopAllChains(): Promise<void> {
  await Promise.all([...chains].map((c) => c.stop()));
  chains.clear();
}

/** The head slot a beacon node reports (/eth/v1/node/syncing), within 3 s. */
export async function headOf(url: string): Promise<number> {
  const res = await fetch(`${url}/eth/v1/node/syncing`, { signal: AbortSignal.timeout(3_000) });
  return Number(((await res.json()) as { data: { head_slot: string } }).data.head_slot);
}

/** Two distinct free loopback ports (REST, P2P). */
export async function ports(): Promise<[number, number]> {
  const a = await freePort();
  let b = await freePort();
  while (b === a) b = await freePort();
  return [a, b];
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

/**
 * The test's own view of one node, polled once a second: its head, the header status (200/404)
 * of every slot below the head, and the proposer duty of every slot (asked for the current epoch
 * only, placed by position within the epoch).
 */
export class NodeObserver {
  readonly status = new Map<number, 200 | 404>();
  readonly duty = new Map<number, number>();
  head = 0;
  private readonly dutiesAsked = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  errors = 0;

  constructor(
    readonly url: string,
    readonly genesisTime: number,
    readonly secondsPerSlot = 2,
    readonly slotsPerEpoch = 8,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), 1_000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  currentSlot(): number {
    return Math.floor((Date.now() / 1000 - this.genesisTime) / this.secondsPerSlot);
  }

  /** Slots with status 404 in [from, to]. */
  missed(from: number, to: number): number[] {
    const out: number[] = [];
    for (let s = from; s <= to; s++) if (this.status.get(s) === 404) out.push(s);
    return out;
  }

  async headerStatus(slot: number): Promise<200 | 404> {
    const { status } = await getJson(`${this.url}/eth/v1/beacon/headers/${slot}`);
    if (status !== 200 && status !== 404) throw new Error(`headers/${slot}: HTTP ${status}`);
    return status;
  }

  /** Ask every slot in [from, to] again (the final truth, after the chain moved on). */
  async recheck(from: number, to: number): Promise<void> {
    for (let s = from; s <= to; s++) this.status.set(s, await this.headerStatus(s));
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const sync = await getJson(`${this.url}/eth/v1/node/syncing`);
      this.head = Number(sync.body.data.head_slot);
      for (let s = 1; s < this.head; s++) if (!this.status.has(s)) this.status.set(s, await this.headerStatus(s));
      const epoch = Math.floor(Math.max(0, this.currentSlot()) / this.slotsPerEpoch);
      if (!this.dutiesAsked.has(epoch)) {
        const d = await getJson(`${this.url}/eth/v1/validator/duties/proposer/${epoch}`);
        if (d.status === 200) {
          for (const x of d.body.data as { slot: string; validator_index: string }[]) {
            this.duty.set(epoch * this.slotsPerEpoch + (Number(x.slot) % this.slotsPerEpoch), Number(x.validator_index));
          }
          this.dutiesAsked.add(epoch);
        }
      }
    } catch {
      this.errors++;
    } finally {
      this.busy = false;
    }
  }
}
