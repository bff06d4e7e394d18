// Messages between the dashboard's host (extension) and its webview, declared once and imported by
// both ends (the pattern of vscode-hexeditor's shared/protocol.ts). Each direction is a
// discriminated union on `type`, so a switch over it is checked for exhaustiveness.
//
// The flow: the webview says `ready`; the host answers with a `snapshot` (all records of the log,
// as columns) and then a `delta` whenever the log grows. The webview aggregates them itself with
// src/common/dashboard, so filters and ranges apply without a round trip, and it never reads files.
import type { ViewSettings } from './dashboard/viewFilter';
import type { RecordBatch, RecordDetail } from './dashboard/wire';
import type { PickRequest } from './dashboard/model';
import type { DashboardView } from './dashboard/view';

export type { RecordBatch, RecordDetail, ViewSettings };

export const DASHBOARD_VIEW_TYPE = 'missedBlocks.dashboard';

/** What the dashboard shows: a log followed live, one being replayed, or the fleet's shared store. */
export interface SourceInfo {
  mode: 'live' | 'replay' | 'fleet';
  /** Absolute path of the log (for replay: the file chosen; fleet: the store, password left out). */
  file: string;
  /** The path as shown to people. */
  displayName: string;
  /** Live mode: a monitor in this window writes this log (only then does the dashboard say "live"). */
  monitored?: boolean;
}

/** What the status line calls the source: "live" only for a log a monitor in this window writes. */
export function sourceWord(s: SourceInfo | undefined): string {
  if (s?.mode === 'replay') return 'replay';
  if (s?.mode === 'fleet') return 'fleet';
  return s?.monitored ? 'live' : 'not monitored in this window';
}

export interface ReplayStatus {
  state: 'playing' | 'paused' | 'done' | 'failed';
  /** Speed factor: log seconds per wall-clock second (Infinity is sent as 0 = as fast as possible). */
  speed: number;
  /** Records played so far, and the log time reached (unix s, null before the first). */
  played: number;
  at: number | null;
  message?: string;
}

// ---- host → webview -------------------------------------------------------------------------

export interface SnapshotMessage {
  type: 'snapshot';
  /** Increases with every snapshot; `rendered` echoes it. */
  seq: number;
  source: SourceInfo;
  /** Seconds per slot and slot 0's time, for the heatmap. */
  clock: { slotSeconds: number; genesis: number };
  batch: RecordBatch;
  /** Full details (metadata included) of the newest records only. */
  details: RecordDetail[];
  /** Filter and range to apply (the host's last known ones; absent: keep the webview's). */
  view?: ViewSettings;
  /** Date.now() when posted: host and webview share the machine's clock, not performance.now(). */
  sentAt: number;
}

export interface DeltaMessage {
  type: 'delta';
  /** Records appended or rewritten since the last message; a rewrite replaces by record key. */
  batch: RecordBatch;
  details: RecordDetail[];
}

export interface ReplayStatusMessage {
  type: 'replayStatus';
  status: ReplayStatus;
}

export interface NoticeMessage {
  type: 'notice';
  level: 'info' | 'error';
  text: string;
}

/** A monitor in this window started or stopped writing the shown log. */
export interface MonitoredMessage {
  type: 'monitored';
  monitored: boolean;
}

/**
 * A big log's view, aggregated by the log worker: the webview draws it as it is (no records held).
 * A new log shown gets a new `seq`; updates of the same log (it grew, the filter changed) keep it.
 */
export interface ViewMessage {
  type: 'view';
  seq: number;
  source: SourceInfo;
  clock: { slotSeconds: number; genesis: number };
  view: DashboardView;
  /** The filter and range the view was made with. */
  settings: ViewSettings;
  sentAt: number;
}


/**
 * The head the monitor writing the shown log last processed (its checkpoint), sent after each
 * snapshot and whenever it moves; null when the log has no checkpoint. The current streak is
 * judged by it, as `mbm report` and the live monitor judge it.
 */
export interface HeadMessage {
  type: 'head';
  head: number | null;
  /** Fleet: each monitor's head, by the monitor's name as its records carry it (mbm_heads). */
  heads?: Record<string, number>;
}

export type HostMessage = ViewMessage | SnapshotMessage | DeltaMessage | ReplayStatusMessage | NoticeMessage | MonitoredMessage | HeadMessage;

// ---- webview → host -------------------------------------------------------------------------

export interface ReadyMessage {
  type: 'ready';
}

/** Sent once a snapshot has been drawn: the host measures time to first paint from its post. */
export interface RenderedMessage {
  type: 'rendered';
  seq: number;
  records: number;
  /** Time the webview spent from receiving the snapshot to the frame after drawing it. */
  webviewMs: number;
  /** Where the time went: post → message event, aggregation, view, drawing. */
  phases?: { transferMs: number; applyMs: number; viewMs: number; drawMs: number };
}

/** Open the log at a record's line. The host only opens files it sent itself. */
export interface RevealMessage {
  type: 'reveal';
  file: string;
  line: number;
  key: string;
}

export interface ViewChangedMessage {
  type: 'viewChanged';
  view: ViewSettings;
}

export type ReplayAction = { action: 'pause' } | { action: 'resume' } | { action: 'stop' } | { action: 'speed'; speed: number };

export type ReplayControlMessage = { type: 'replayControl' } & ReplayAction;

/** A click on a chart of a view the webview holds no records for: the host asks the worker which record it stands for. */
export interface PickMessage {
  type: 'pick';
  pick: PickRequest;
}

export type WebviewMessage = ReadyMessage | RenderedMessage | RevealMessage | ViewChangedMessage | ReplayControlMessage | PickMessage;

/** Replay speeds offered (log seconds per second); 0 = as fast as possible. */
export const REPLAY_SPEEDS = [1, 10, 60, 600, 3600, 0] as const;

/** What the webview keeps with setState, so a restored panel comes back as it was left. */
export interface PersistedState {
  /** The live log shown (replays are not restored). */
  file?: string;
  /** The fleet view was shown (the store's URL stays in SecretStorage). */
  fleet?: boolean;
  view?: ViewSettings;
}

/** Narrow an unknown message from the webview (it is a separate, less trusted context). */
export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (!m || typeof m !== 'object') return false;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'ready':
      return true;
    case 'rendered':
      return typeof o.seq === 'number' && typeof o.records === 'number' && typeof o.webviewMs === 'number';
    case 'reveal':
      return typeof o.file === 'string' && typeof o.line === 'number' && Number.isInteger(o.line) && o.line >= 1 && typeof o.key === 'string';
    case 'viewChanged':
      return !!o.view && typeof o.view === 'object';
    case 'pick': {
      const p = o.pick as Record<string, unknown> | undefined;
      const num = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
      if (!p || typeof p !== 'object') return false;
      if (p.what === 'slot') return num(p.slot);
      if (p.what === 'block') return num(p.block) && (p.source === undefined || typeof p.source === 'string');
      return p.what === 'time' && num(p.from) && num(p.to);
    }
    case 'replayControl':
      return o.action === 'pause' || o.action === 'resume' || o.action === 'stop' || (o.action === 'speed' && typeof o.speed === 'number' && o.speed >= 0);
    default:
      return false;
  }
}
