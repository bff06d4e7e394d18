// The relay source: for each relay, poll its Data API for the payloads it delivered in the slots
// the beacon node has settled (every slot before its head), ask the beacon node what each slot
// holds (slotBlocks.ts), and turn every payload that did not land into a `payload_missed` record
// (core/payloads.ts). One loop per relay; a failure (relay or beacon node) is a classified 'status'
// event and a backoff (core/backoff.ts), never a crash. Slots a relay was asked about are asked
// again for `rescanSlots` more polls, since deliveries can show up in the Data API late.
import { EventEmitter } from 'node:events';
import { backoffDelay, type BackoffOptions } from '../../core/backoff';
import { recordKey, type MissedBlock, type MissedBlockReason } from '../../core/model';
import { judgePayload, payloadRecord, type SlotContent } from '../../core/payloads';
import { toClassified } from '../chain/errors';
import { abortableSleep } from '../sleep';
import { RelayDataApi } from './dataApi';
import { endpointsFromUrls } from '../endpoints';
import type { SlotBlocks } from './slotBlocks';

export interface RelayWatchSettings {
  /** Relay base URLs (they may hold a key; only host:port is ever shown). */
  urls: readonly string[];
  /** A payload worth more than this many wei is Critical, else High. */
  criticalWei: bigint;
  /** Between polls of one relay. Default 12 s. */
  pollIntervalMs?: number;
  /** Slots before the head judged on the first poll. Default 64. */
  lookbackSlots?: number;
  /** Slots below the last judged one asked again each poll. Default 32. */
  rescanSlots?: number;
  /** Data API page size (cursor/limit paging). Default 200. */
  pageLimit?: number;
  timeoutMs?: number;
  backoff?: BackoffOptions;
}

export interface RelayWatcherOptions extends RelayWatchSettings {
  slotBlocks: SlotBlocks;
  /** The monitor's source label, carried by the records. */
  source: string;
  chainId?: () => number | undefined;
  /** Record keys already in the log: not written again. */
  known?: Iterable<string>;
  now?: () => number;
}

export type RelayStatus = { relay: string; state: 'up' } | { relay: string; state: 'down'; reason: MissedBlockReason; message: string; retryInMs: number };

export interface RelayPoll {
  relay: string;
  from: number;
  to: number;
  pages: number;
  payloads: number;
}

export interface RelayWatcherEvents {
  record: (r: MissedBlock) => void;
  status: (s: RelayStatus) => void;
  poll: (p: RelayPoll) => void;
  warning: (message: string) => void;
}

const KNOWN_MAX = 100_000;
const SLOT_CACHE_MAX = 1024;

export class RelayWatcher extends EventEmitter {
  private readonly abort = new AbortController();
  private readonly apis: RelayDataApi[];
  private readonly known = new Set<string>();
  private readonly slots = new Map<number, SlotContent>();
  private loops: Promise<void>[] = [];
  private readonly now: () => number;

  constructor(private readonly o: RelayWatcherOptions) {
    super();
    // Labels as for RPC endpoints: host:port, numbered when two relays share one.
    this.apis = endpointsFromUrls(o.urls).map((e) => new RelayDataApi(e.url, { timeoutMs: o.timeoutMs, signal: this.abort.signal, label: e.label }));
    for (const k of o.known ?? []) this.remember(k);
    this.now = o.now ?? Date.now;
  }

  override on<E extends keyof RelayWatcherEvents>(event: E, listener: RelayWatcherEvents[E]): this {
    return super.on(event, listener);
  }

  get relays(): string[] {
    return this.apis.map((a) => a.label);
  }

  start(): void {
    if (this.loops.length) return;
    this.loops = this.apis.map((api) => this.run(api));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  private remember(key: string): void {
    this.known.add(key);
    if (this.known.size > KNOWN_MAX) this.known.delete(this.known.values().next().value!);
  }

  private async run(api: RelayDataApi): Promise<void> {
    const signal = this.abort.signal;
    let judgedThrough: number | undefined;
    let failures = 0;
    let down = false;
    let syncingSaid = false;
    while (!signal.aborted) {
      try {
        const sb = this.o.slotBlocks;
        if (await sb.syncing()) {
          if (!syncingSaid) this.emit('warning', `beacon ${sb.label} is syncing: payloads of ${api.label} are judged once it has caught up`);
          syncingSaid = true;
        } else {
          syncingSaid = false;
          const head = await sb.headSlot();
          const to = head - 1;
          const from = Math.max(0, judgedThrough === undefined ? head - (this.o.lookbackSlots ?? 64) : judgedThrough + 1 - (this.o.rescanSlots ?? 32));
          if (to >= from) {
            await this.judge(api, from, to);
            judgedThrough = Math.max(judgedThrough ?? to, to);
          }
        }
        failures = 0;
        if (down) {
          down = false;
          this.emit('status', { relay: api.label, state: 'up' } satisfies RelayStatus);
        }
        await abortableSleep(this.o.pollIntervalMs ?? 12_000, signal);
      } catch (err) {
        if (signal.aborted) break;
        const c = toClassified(err, `relay ${api.label}`);
        failures++;
        const retryInMs = backoffDelay(failures, this.o.backoff, c.retryAfterMs);
        down = true;
        this.emit('status', { relay: api.label, state: 'down', reason: c.reason, message: c.message, retryInMs } satisfies RelayStatus);
        await abortableSleep(retryInMs, signal);
      }
    }
  }

  private async judge(api: RelayDataApi, from: number, to: number): Promise<void> {
    const { payloads, pages } = await api.deliveredBetween(from, to, { limit: this.o.pageLimit ?? 200 });
    payloads.sort((a, b) => a.slot - b.slot);
    const clock = await this.o.slotBlocks.clock();
    for (const p of payloads) {
      const content = await this.slotContent(p.slot);
      const r = payloadRecord(p, judgePayload(p, content), {
        relay: api.label,
        source: this.o.source,
        chainId: this.o.chainId?.(),
        genesisTime: clock.genesisTime,
        secondsPerSlot: clock.secondsPerSlot,
        detectedAt: Math.floor(this.now() / 1000),
        criticalWei: this.o.criticalWei,
      });
      if (!r) continue;
      const key = recordKey(r);
      if (this.known.has(key)) continue;
      this.remember(key);
      this.emit('record', r);
    }
    this.emit('poll', { relay: api.label, from, to, pages, payloads: payloads.length } satisfies RelayPoll);
  }

  /** What the beacon node holds at a settled slot; cached (bounded), since several relays and rescans ask again. */
  private async slotContent(slot: number): Promise<SlotContent> {
    const hit = this.slots.get(slot);
    if (hit) return hit;
    const c = await this.o.slotBlocks.slot(slot);
    this.slots.set(slot, c);
    if (this.slots.size > SLOT_CACHE_MAX) this.slots.delete(this.slots.keys().next().value!);
    return c;
  }
}
