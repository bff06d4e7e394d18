// "Does beacon slot N have a block, and what is its execution payload?" — the narrow question the
// relay check asks of the consensus layer, behind an interface so a fuller beacon client can answer
// it instead. This implementation asks a beacon node's standard REST API:
//   GET /eth/v1/beacon/headers/{slot}   404 → no block at that slot
//   GET /eth/v2/beacon/blocks/{slot}    JSON; message.body.execution_payload.{block_hash, block_number}
//                                       when the fork has payloads (absent on a phase0 chain)
//   GET /eth/v1/beacon/headers/head, /eth/v1/beacon/genesis, /eth/v1/config/spec, /eth/v1/node/syncing
import type { SlotContent } from '../../core/payloads';
import { ClassifiedError } from '../chain/errors';
import { endpointLabel } from '../endpoints';
import { getJson } from './http';

export interface BeaconClock {
  /** Unix s of slot 0. */
  genesisTime: number;
  secondsPerSlot: number;
}

export interface SlotBlocks {
  /** host:port of the node, for messages. */
  readonly label: string;
  clock(): Promise<BeaconClock>;
  /** Slot of the node's head block. */
  headSlot(): Promise<number>;
  /** True while the node is syncing: its 404s then mean "not yet known", not "missed". */
  syncing(): Promise<boolean>;
  slot(slot: number): Promise<SlotContent>;
}

type Loose = Record<string, unknown>;
const obj = (v: unknown): Loose | undefined => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Loose) : undefined);

/** A decimal string or number → a safe whole number, else a ClassifiedError naming the field. */
function whole(v: unknown, what: string): number {
  const n = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : NaN;
  if (Number.isNaN(n)) throw new ClassifiedError('RpcError', `${what}: expected a whole number, got ${JSON.stringify(v)?.slice(0, 40)}`);
  return n;
}

const HASH = /^0x[0-9a-fA-F]{64}$/;

export class BeaconRestSlotBlocks implements SlotBlocks {
  readonly label: string;
  private readonly base: URL;
  private cachedClock?: BeaconClock;

  constructor(url: string, private readonly o: { timeoutMs?: number; signal?: AbortSignal } = {}) {
    this.label = endpointLabel(url);
    this.base = new URL(url);
  }

  private url(path: string): URL {
    const u = new URL(this.base);
    u.pathname = `${u.pathname.replace(/\/+$/, '')}${path}`;
    return u;
  }

  private get(path: string, pass?: number[]) {
    return getJson(this.url(path), `beacon ${this.label} ${path}`, { timeoutMs: this.o.timeoutMs ?? 10_000, pass, signal: this.o.signal });
  }

  async clock(): Promise<BeaconClock> {
    if (this.cachedClock) return this.cachedClock;
    const g = obj(obj((await this.get('/eth/v1/beacon/genesis')).json)?.data);
    const s = obj(obj((await this.get('/eth/v1/config/spec')).json)?.data);
    this.cachedClock = { genesisTime: whole(g?.genesis_time, `beacon ${this.label} genesis_time`), secondsPerSlot: whole(s?.SECONDS_PER_SLOT, `beacon ${this.label} SECONDS_PER_SLOT`) };
    return this.cachedClock;
  }

  async headSlot(): Promise<number> {
    const d = obj(obj((await this.get('/eth/v1/beacon/headers/head')).json)?.data);
    return whole(obj(obj(d?.header)?.message)?.slot, `beacon ${this.label} head slot`);
  }

  async syncing(): Promise<boolean> {
    const d = obj(obj((await this.get('/eth/v1/node/syncing')).json)?.data);
    return d?.is_syncing === true;
  }

  async slot(slot: number): Promise<SlotContent> {
    const h = await this.get(`/eth/v1/beacon/headers/${slot}`, [404]);
    if (h.status === 404) return { block: false };
    const b = await this.get(`/eth/v2/beacon/blocks/${slot}`, [404]);
    // Pruned or reorged away between the two calls: the header said there is a block; its payload is unknown.
    if (b.status === 404) return { block: true };
    const payload = obj(obj(obj(obj(b.json)?.data)?.message)?.body)?.execution_payload;
    const p = obj(payload);
    if (!p || typeof p.block_hash !== 'string' || !HASH.test(p.block_hash)) return { block: true };
    return { block: true, executionBlockHash: p.block_hash, executionBlockNumber: whole(p.block_number, `beacon ${this.label} block ${slot} block_number`) };
  }
}
