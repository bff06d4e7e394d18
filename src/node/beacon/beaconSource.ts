// The beacon node as a source of records: reads genesis and the slot/epoch lengths, follows the
// event stream, keeps proposer duties for the current and next epoch, and does the header
// requests the slot watcher (src/core/beacon.ts) asks for. It emits record drafts (missed slots,
// reorgs) for the MonitorService to stamp, log and alert on, and the node's state as 'status':
// down (with the reason: ConnectionLost...), up, syncing, synced.
import { EventEmitter } from 'node:events';
import { backoffDelay } from '../../core/backoff';
import { BeaconSlotWatcher, dutiesByPosition, epochOf, slotAt, slotStart, type BeaconSpec, type WatchedProposers } from '../../core/beacon';
import type { Draft } from '../../core/detection/rules';
import type { MissedBlockReason } from '../../core/model';
import { toClassified } from '../chain/errors';
import { endpointLabel } from '../endpoints';
import { abortableSleep } from '../sleep';
import { BeaconClient } from './beaconClient';
import { BeaconEventStream } from './beaconEvents';

export interface BeaconSourceOptions {
  url: string;
  /** `source` of its records; default host:port of the URL (never the URL: it may hold a key). */
  label?: string;
  watched?: WatchedProposers;
  /** Seconds after a slot's end before an empty slot is judged without a later block. Default one slot. */
  graceSec?: number;
  /** How often the watcher is asked what to confirm. Default 500 ms. */
  tickMs?: number;
  timeoutMs?: number;
  /** Wall clock, ms. */
  now?: () => number;
  /**
   * Report the node's head as a 'head' event, in the numbering of its records (execution block
   * number, or slot without payloads): one block request per new head. For a beacon node followed
   * alone, where nothing else tells the monitor the chain moved on.
   */
  reportHead?: boolean;
}

export type BeaconStatus =
  | { state: 'up' }
  | { state: 'down'; reason: MissedBlockReason; message: string }
  | { state: 'syncing'; headSlot: number; syncDistance: number }
  | { state: 'synced'; headSlot: number };

export interface BeaconSourceEvents {
  drafts: (drafts: Draft[]) => void;
  /** The head's number (reportHead), each time it moves, and its slot's start (unix s). */
  head: (number: number, slotTime: number) => void;
  status: (s: BeaconStatus) => void;
  warning: (message: string) => void;
}

/** Header requests per pump at most (a catch-up after an outage spreads over a few pumps). */
const CONFIRM_BATCH = 16;

export class BeaconSource extends EventEmitter {
  readonly label: string;
  readonly client: BeaconClient;
  private readonly stream: BeaconEventStream;
  private readonly abort = new AbortController();
  private watcher: BeaconSlotWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pumping: Promise<void> | undefined;
  private booting: Promise<void> | undefined;
  private needSync = true;
  private lastSyncPoll = 0;
  private state: BeaconStatus['state'] | 'new' = 'new';
  /** Epoch → dependent root of the duties we hold for it ('' when the node gave none). */
  private readonly dutiesFor = new Map<number, { root: string; asCurrent: boolean }>();
  private dutyWarnedEpoch = -1;
  private reportedHead: number | undefined;
  private readonly now: () => number;

  constructor(private readonly o: BeaconSourceOptions) {
    super();
    this.label = o.label ?? endpointLabel(o.url);
    this.client = new BeaconClient(o.url, { timeoutMs: o.timeoutMs });
    this.stream = new BeaconEventStream(o.url);
    this.now = o.now ?? Date.now;
  }

  override on<E extends keyof BeaconSourceEvents>(event: E, listener: BeaconSourceEvents[E]): this {
    return super.on(event, listener);
  }

  get spec(): BeaconSpec | undefined {
    return this.watcher?.spec;
  }

  /** Resolves once the first attempt to reach the node is made; an unreachable node is a 'down' status, retried. */
  async start(): Promise<void> {
    let first!: () => void;
    const attempted = new Promise<void>((r) => (first = r));
    this.booting = this.boot(first);
    await attempted;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    clearInterval(this.timer);
    await this.booting;
    await this.stream.stop();
    await this.pumping;
  }

  /** Genesis and spec (retried with backoff while the node cannot answer), then the stream and the pump. */
  private async boot(attempted: () => void): Promise<void> {
    const signal = this.abort.signal;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        const [genesisTime, spec] = await Promise.all([this.client.genesisTime(), this.client.spec()]);
        this.watcher = new BeaconSlotWatcher({ genesisTime, ...spec }, { source: this.label, watched: this.o.watched, graceSec: this.o.graceSec });
        break;
      } catch (err) {
        const c = toClassified(err, 'beacon node');
        this.setStatus({ state: 'down', reason: c.reason, message: c.message });
        attempted();
        await abortableSleep(backoffDelay(attempt, { initialMs: 250, maxMs: 10_000 }, c.retryAfterMs), signal);
      }
    }
    attempted();
    if (signal.aborted) return;
    this.stream.on('open', () => {
      this.needSync = true;
      this.setStatus({ state: 'up' });
    });
    this.stream.on('down', (reason, message) => {
      this.watcher?.noteDown();
      this.setStatus({ state: 'down', reason, message });
    });
    this.stream.on('event', (topic, data) => this.onEvent(topic, data));
    this.stream.start();
    this.timer = setInterval(() => {
      this.pumping ??= this.pump()
        .catch((e: Error) => {
          this.emit('warning', `beacon: ${e.message}`);
        })
        .finally(() => {
          this.pumping = undefined;
        });
    }, this.o.tickMs ?? 500);
  }

  private setStatus(s: BeaconStatus): void {
    // 'up' after a reconnect is news; syncing/synced only when it changes.
    if (s.state === this.state && s.state !== 'syncing') return;
    if (s.state === 'syncing' && this.state === 'syncing') return;
    this.state = s.state;
    this.emit('status', s);
  }

  private onEvent(topic: string, d: Record<string, unknown>): void {
    const w = this.watcher;
    if (!w) return;
    const slot = Number(d.slot);
    if (!Number.isSafeInteger(slot) || slot < 0) return;
    if (topic === 'block' && typeof d.block === 'string') w.noteBlock(slot, d.block);
    else if (topic === 'head' && typeof d.block === 'string') {
      w.noteBlock(slot, d.block);
      const epoch = epochOf(w.spec, slot);
      const held = this.dutiesFor.get(epoch);
      // The duties of this epoch were computed on another branch: ask again.
      if (held && typeof d.current_duty_dependent_root === 'string' && held.root !== '' && held.root !== d.current_duty_dependent_root) this.dutiesFor.delete(epoch);
    } else if (topic === 'chain_reorg') {
      const depth = Number(d.depth);
      if (!Number.isSafeInteger(depth) || depth < 1) return;
      const draft = w.reorg({ slot, depth, oldHead: String(d.old_head_block ?? ''), newHead: String(d.new_head_block ?? ''), ...(d.epoch !== undefined ? { epoch: Number(d.epoch) } : {}) }, this.now() / 1000);
      this.dutiesFor.clear();
      this.emit('drafts', [draft]);
    }
  }

  /** One round: the node's sync state (each slot, and at once after a reconnect), duties, then the slots to confirm. */
  private async pump(): Promise<void> {
    const w = this.watcher;
    // Also before the event stream is open: some nodes send its headers only with the first event,
    // and the head the node has when we first ask is where judging starts.
    if (!w || this.state === 'down' || this.abort.signal.aborted) return;
    const nowMs = this.now();
    if (this.needSync || nowMs - this.lastSyncPoll >= w.spec.secondsPerSlot * 1000) {
      const s = await this.client.syncing().catch(() => undefined);
      if (!s) return;
      this.needSync = false;
      this.lastSyncPoll = nowMs;
      if (!w.started) w.begin(s.headSlot);
      w.noteSyncing(s.isSyncing, s.headSlot, s.syncDistance);
      this.setStatus(s.isSyncing ? { state: 'syncing', headSlot: s.headSlot, syncDistance: s.syncDistance } : { state: 'synced', headSlot: s.headSlot });
    }
    const nowSec = this.now() / 1000;
    const current = epochOf(w.spec, Math.max(0, slotAt(w.spec, nowSec)));
    if (w.syncState === 'synced') await this.fetchDuties(w, current);
    const all = w.due(nowSec);
    // Slots past the batch go back for the next round.
    for (const s of all.slice(CONFIRM_BATCH)) w.release(s);
    const due = all.slice(0, CONFIRM_BATCH);
    for (const [i, slot] of due.entries()) {
      if (this.abort.signal.aborted) return;
      // A duty still to be had (this epoch or the next) is worth waiting a round for.
      if (!w.dutyAt(slot) && epochOf(w.spec, slot) >= current) {
        w.release(slot);
        continue;
      }
      try {
        await this.confirm(w, slot);
      } catch (err) {
        for (const s of due.slice(i)) w.release(s);
        throw toClassified(err, `confirming slot ${slot}`);
      }
    }
    if (this.o.reportHead) await this.reportHead(w);
    if (w.skipped > 0) {
      this.emit('warning', `beacon: ${w.skipped} slots from before the node answered again were not judged (more than the catch-up window)`);
      w.skipped = 0;
    }
  }

  /** The head's number, once its payload (or the lack of one) is known; each new one is a 'head' event. */
  private async reportHead(w: BeaconSlotWatcher): Promise<void> {
    const b = w.headBlock();
    if (b && b.executionNumber === undefined) {
      const full = await this.client.block(b.slot).catch((err: unknown) => {
        throw toClassified(err, `reading the head block (slot ${b.slot})`);
      });
      // Not if the node went away meanwhile: what it holds is unknown until it answers again.
      if (full && w.head !== undefined) w.noteBlock(b.slot, b.root, full.execution?.blockNumber ?? null);
    }
    const n = w.headNumber();
    if (b && n !== undefined && (this.reportedHead === undefined || n > this.reportedHead)) {
      this.reportedHead = n;
      this.emit('head', n, slotStart(w.spec, b.slot));
    }
  }

  private async confirm(w: BeaconSlotWatcher, slot: number): Promise<void> {
    const header = await this.client.header(slot);
    if (header) {
      w.noteBlock(slot, header.root);
      return;
    }
    const next = w.nextBlockAfter(slot);
    if (next && next.executionNumber === undefined) {
      const b = await this.client.block(next.slot);
      if (b) w.noteBlock(next.slot, next.root, b.execution?.blockNumber ?? null);
    }
    const draft = w.confirmEmpty(slot, this.now() / 1000, next ? 'beacon_next_block' : 'beacon_timer');
    if (draft) this.emit('drafts', [draft]);
  }

  private async fetchDuties(w: BeaconSlotWatcher, current: number): Promise<void> {
    for (const epoch of [current, current + 1]) {
      const held = this.dutiesFor.get(epoch);
      // Next-epoch duties are provisional: asked again once the epoch is current.
      if (held && (held.asCurrent || epoch !== current)) continue;
      try {
        const a = await this.client.proposerDuties(epoch);
        w.setDuties(dutiesByPosition(w.spec, epoch, a.duties));
        this.dutiesFor.set(epoch, { root: a.dependentRoot ?? '', asCurrent: epoch === current });
      } catch (err) {
        if (this.dutyWarnedEpoch !== epoch) {
          this.dutyWarnedEpoch = epoch;
          this.emit('warning', `beacon: proposer duties of epoch ${epoch}: ${toClassified(err).message}`);
        }
      }
    }
    for (const e of this.dutiesFor.keys()) if (e < current - 2) this.dutiesFor.delete(e);
  }
}
