// A client of the standard Beacon Node REST API (the endpoints the slot watcher needs). Every
// failure is a ClassifiedError (ConnectionLost, Timeout, RpcError...), never a raw fetch error; a
// 404 for a slot is an answer (no block), not a failure. Messages never hold the URL: it may carry
// a provider's API key.
import type { BeaconSpec, ProposerDuty } from '../../core/beacon';
import { ClassifiedError, HttpStatusError, RequestTimeoutError, toClassified } from '../chain/errors';

export interface BeaconHeader {
  slot: number;
  root: string;
  proposerIndex: number;
}

export interface BeaconBlock {
  slot: number;
  /** Fork name the node reports (phase0, altair, bellatrix...). */
  version: string;
  proposerIndex: number;
  /** From the execution payload, when the block carries one. */
  execution?: { blockNumber: number; blockHash: string; timestamp: number };
}

export interface SyncStatus {
  headSlot: number;
  syncDistance: number;
  isSyncing: boolean;
}

export interface DutiesAnswer {
  dependentRoot?: string;
  duties: ProposerDuty[];
}

export class BeaconClient {
  private readonly base: string;

  constructor(
    url: string,
    private readonly o: { timeoutMs?: number } = {},
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  async genesisTime(): Promise<number> {
    const body = await this.get('/eth/v1/beacon/genesis', 'genesis');
    return num(field(body, 'data', 'genesis_time'), 'genesis_time');
  }

  async spec(): Promise<Omit<BeaconSpec, 'genesisTime'>> {
    const data = field(await this.get('/eth/v1/config/spec', 'config/spec'), 'data') as Record<string, unknown>;
    return { secondsPerSlot: num(data.SECONDS_PER_SLOT, 'SECONDS_PER_SLOT'), slotsPerEpoch: num(data.SLOTS_PER_EPOCH, 'SLOTS_PER_EPOCH') };
  }

  async syncing(): Promise<SyncStatus> {
    const d = field(await this.get('/eth/v1/node/syncing', 'node/syncing'), 'data') as Record<string, unknown>;
    return { headSlot: num(d.head_slot, 'head_slot'), syncDistance: num(d.sync_distance, 'sync_distance'), isSyncing: d.is_syncing === true };
  }

  /** The canonical block header at `slot`; null when the node answers 404 (no block: a missed slot). */
  async header(slot: number): Promise<BeaconHeader | null> {
    const body = await this.get(`/eth/v1/beacon/headers/${slot}`, `headers/${slot}`, true);
    if (body === null) return null;
    const d = field(body, 'data') as Record<string, unknown>;
    const msg = field(d, 'header', 'message') as Record<string, unknown>;
    return { slot: num(msg.slot, 'slot'), root: String(d.root), proposerIndex: num(msg.proposer_index, 'proposer_index') };
  }

  /** `/eth/v2/beacon/blocks/{slot}`: the block with its execution payload's number and hash when it has one. */
  async block(slot: number): Promise<BeaconBlock | null> {
    const body = await this.get(`/eth/v2/beacon/blocks/${slot}`, `blocks/${slot}`, true);
    if (body === null) return null;
    const msg = field(body, 'data', 'message') as Record<string, unknown>;
    const payload = (msg.body as Record<string, unknown> | undefined)?.execution_payload as Record<string, unknown> | undefined;
    return {
      slot: num(msg.slot, 'slot'),
      version: String((body as Record<string, unknown>).version ?? ''),
      proposerIndex: num(msg.proposer_index, 'proposer_index'),
      ...(payload
        ? { execution: { blockNumber: num(payload.block_number, 'block_number'), blockHash: String(payload.block_hash), timestamp: num(payload.timestamp, 'timestamp') } }
        : {}),
    };
  }

  /** `/eth/v1/validator/duties/proposer/{epoch}` as answered (slots as the node labels them). */
  async proposerDuties(epoch: number): Promise<DutiesAnswer> {
    const body = (await this.get(`/eth/v1/validator/duties/proposer/${epoch}`, `duties/proposer/${epoch}`)) as Record<string, unknown>;
    const data = body.data;
    if (!Array.isArray(data)) throw new ClassifiedError('RpcError', `duties/proposer/${epoch}: no data list in the answer`);
    return {
      ...(typeof body.dependent_root === 'string' ? { dependentRoot: body.dependent_root } : {}),
      duties: data.map((d: Record<string, unknown>) => ({ slot: num(d.slot, 'slot'), validatorIndex: num(d.validator_index, 'validator_index'), pubkey: String(d.pubkey) })),
    };
  }

  private async get(path: string, what: string, notFoundIsNull = false): Promise<unknown> {
    const timeoutMs = this.o.timeoutMs ?? 10_000;
    let res: Response;
    try {
      res = await fetch(this.base + path, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const e = (err as Error).name === 'TimeoutError' ? new RequestTimeoutError(timeoutMs, what) : err;
      throw toClassified(e, what);
    }
    if (res.status === 404 && notFoundIsNull) {
      await res.body?.cancel().catch(() => undefined);
      return null;
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw toClassified(err, what);
    }
    if (!res.ok) {
      const why = safeMessage(text);
      const c = toClassified(new HttpStatusError(res.status), what);
      throw new ClassifiedError(c.reason, `${what}: HTTP ${res.status}${why ? ` (${why})` : ''}`, { cause: c });
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new ClassifiedError('RpcError', `${what}: the answer is not JSON`);
    }
  }
}

/** The node's own error message, short and on one line (e.g. "Node is syncing"). */
function safeMessage(text: string): string {
  try {
    const m = (JSON.parse(text) as { message?: unknown }).message;
    return typeof m === 'string' ? m.replace(/\s+/g, ' ').slice(0, 160) : '';
  } catch {
    return '';
  }
}

function field(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const k of path) {
    if (!cur || typeof cur !== 'object' || !(k in cur)) throw new ClassifiedError('RpcError', `the answer has no ${path.join('.')}`);
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Beacon API numbers are decimal strings. */
function num(v: unknown, name: string): number {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw new ClassifiedError('RpcError', `${name}: expected a whole number, got ${JSON.stringify(v)?.slice(0, 40)}`);
  return n;
}
