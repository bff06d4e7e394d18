// The MonitorService's options and events: what a face (CLI, extension, HTTP) passes in and hears back.
import type { BackfillProgress } from '../backfill';
import type { FetcherOptions } from '../chain/fetcher';
import type { SourceOptions } from '../chain/sources';
import type { Endpoint } from '../chain/types';
import type { ExplorerOptions } from '../chain/explorer';
import type { AlertChannelKind, MonitorFileConfig } from '../../core/config';
import type { JsonlWriterOptions } from '../log/writer';
import type { RecordSink } from '../store/types';
import type { MissedBlock, MissedBlockReason } from '../../core/model';
import type { AlertManagerOptions, AlertMessage } from '../alerts';
import type { MonitorOptions, RecordChange } from '../../core/monitor';
import type { MonitorStats } from '../../core/stats';
import type { BeaconSourceOptions, BeaconStatus } from '../beacon/beaconSource';
import type { RelayStatus, RelayWatchSettings } from '../relay/watcher';
import type { SlotBlocks } from '../relay/slotBlocks';
import type { RiskUpdate } from '../../core/risk';
import type { RiskWatcherOptions } from '../risk/riskWatcher';

export interface MonitorServiceOptions {
  config: MonitorFileConfig;
  /** [primary, ...alternatives]. */
  endpoints: readonly Endpoint[];
  /** Overrides config.logging.logFilePath. */
  logPath?: string;
  /** Checkpoint file; default `<log>.checkpoint.json`; false: no checkpoint, no resume. */
  checkpointPath?: string | false;
  /** Minimum time between checkpoint writes. Default 1 s. */
  checkpointIntervalMs?: number;
  /** The wall-clock timer (stalls, overdue slots) and the 'stats' event. Default 1 s. */
  tickMs?: number;
  /** Head-lag comparison across endpoints (only with ≥ 2). Default every 5 s, threshold 3 blocks. */
  headLag?: { thresholdBlocks?: number; intervalMs?: number };
  source?: SourceOptions;
  fetcher?: FetcherOptions;
  writer?: Partial<JsonlWriterOptions>;
  monitor?: Partial<MonitorOptions>;
  /** Most blocks a resume backfills (older downtime is skipped with a warning). Default 100 000. */
  maxBackfillBlocks?: number;
  backfill?: { windowSize?: number; concurrency?: number };
  recovery?: { batchSize?: number; concurrency?: number };
  /** Overrides for the [recovery] explorer (tests: request spacing, timeout). */
  explorer?: Partial<ExplorerOptions>;
  /** Alert delivery ([alerts] of the config); false turns alerting off (tests, untrusted workspaces). */
  alerts?: Partial<AlertManagerOptions> | false;
  /** A second home for every record the log gets (the shared PostgreSQL store); its problems are warnings. */
  sink?: RecordSink;
  /** A beacon node to follow too (missed slots with their proposers, reorgs); alone when `endpoints` is empty. */
  beacon?: BeaconSourceOptions;
  /** Delivered payloads of these relays checked against the beacon chain (`payload_missed` records). */
  relay?: { settings: RelayWatchSettings; slotBlocks: SlotBlocks };
  /** Early warning ([risk] of the config); false turns it off whatever the config says. */
  risk?: Partial<RiskWatcherOptions> | false;
}

/** `detail` says why the primary is down in words an operator can act on (see chain/errors describeFailure). */
export type ServiceStatus = { state: 'up' } | { state: 'down'; reason: MissedBlockReason; detail: string };

export interface AlertDelivery {
  channel: string;
  result: 'queued' | 'delivered' | 'failed';
  depth: number;
}

export type BackfillEvent =
  | { phase: 'start'; from: number; to: number; skipped: number }
  | ({ phase: 'progress' } & BackfillProgress)
  | { phase: 'done'; from: number; to: number; count: number }
  | { phase: 'retry'; reason: MissedBlockReason; message: string; delayMs: number }
  | { phase: 'skipped'; why: string };

export interface MonitorServiceEvents {
  record: (r: MissedBlock, change: RecordChange) => void;
  stats: (s: MonitorStats) => void;
  status: (s: ServiceStatus) => void;
  backfill: (e: BackfillEvent) => void;
  /** Each head-lag round (≥ 2 endpoints): every endpoint's head that answered, and the best (undefined: none answered). */
  heads: (heads: ReadonlyMap<string, number>, best: number | undefined) => void;
  /**
   * AlertManager queued an alert (an incident reached alert_threshold or a channel's minimum
   * severity), for these channels. The one alert path: nothing else announces alerts. When it is
   * delivered, the records' alert_sent turns true and they come again as 'record' ('updated').
   */
  alert: (msg: AlertMessage, channels: AlertChannelKind[]) => void;
  /** An alert message was queued for, delivered to, or given up on a channel; `depth` is what the outbox still owes. */
  delivery: (e: AlertDelivery) => void;
  /** A relay (or the beacon node it is checked against) stopped or started answering. */
  relay: (s: RelayStatus) => void;
  /** A source's risk score after each probe round (`transition` when it crossed the threshold). */
  risk: (u: RiskUpdate) => void;
  /** Something went wrong that the service survives (disk, a failed fetch). */
  warning: (message: string) => void;
  /** Something worth saying once (the block time measured, missed-slot detection off, a chain reset). */
  notice: (message: string) => void;
  /** The beacon node's state (with `beacon`): up, down (why), syncing, synced. */
  beacon: (s: BeaconStatus) => void;
}
