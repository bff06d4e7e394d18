// `[relay]` on a running service: the RelayWatcher that checks delivered payloads against the beacon
// chain, and the one "value lost" tally of its `payload_missed` records (core/payloads.ts). A missed
// payload is counted, alerted, logged and announced like the monitor's own records, but not held
// (no streak, no recovery).
import type { EventEmitter } from 'node:events';
import type { MissedBlock } from '../../core/model';
import type { BlockMonitor } from '../../core/monitor';
import { ValueLostTally, type ValueLost } from '../../core/payloads';
import { endpointsFromUrls } from '../endpoints';
import { loggedPayloadKeys } from './logged';
import type { SlotBlocks } from './slotBlocks';
import { RelayWatcher, type RelayWatchSettings } from './watcher';

export interface ServicePayloadsDeps {
  /** Gets 'relay' (status) events. */
  svc: EventEmitter;
  /** The primary endpoint's label (the records' source). */
  source: string;
  chainId: () => number | undefined;
  monitor: BlockMonitor;
  /** Alerted, logged, stored and announced as a new record. */
  publish: (r: MissedBlock) => void;
  warn: (message: string) => void;
}

export class ServicePayloads {
  /** Missed payloads since start (value lost). */
  private readonly tally = new ValueLostTally();
  private watcher: RelayWatcher | undefined;

  constructor(
    private readonly relay: { settings: RelayWatchSettings; slotBlocks: SlotBlocks },
    private readonly d: ServicePayloadsDeps,
  ) {}

  /** Relay labels (host:port) being checked. */
  get relays(): string[] {
    return endpointsFromUrls(this.relay.settings.urls).map((e) => e.label);
  }

  valueLost(): ValueLost {
    return this.tally.summary();
  }

  /** `logPath`: the log a restart reads (its look-back slots are judged again; what the log has is not written twice). */
  async start(logPath: string | undefined): Promise<void> {
    const known = logPath !== undefined ? await loggedPayloadKeys(logPath) : [];
    const w = (this.watcher = new RelayWatcher({
      ...this.relay.settings,
      slotBlocks: this.relay.slotBlocks,
      source: this.d.source,
      chainId: this.d.chainId,
      known,
    }));
    w.on('record', (r) => this.record(r));
    w.on('status', (st) => this.d.svc.emit('relay', st));
    w.on('warning', (m) => this.d.warn(m));
    w.start();
  }

  async stop(): Promise<void> {
    await this.watcher?.stop();
  }

  private record(r: MissedBlock): void {
    const chainId = this.d.chainId();
    if (r.chain_id === undefined && chainId !== undefined) r.chain_id = chainId;
    this.d.monitor.countExternal(r);
    this.tally.add(r);
    this.d.publish(r);
  }
}
