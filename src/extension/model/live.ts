// What the views know about the monitoring run in this window, beyond the records in its log:
// connection, source and head come from the service; records never do (they come from the file).
import type { BlockTimeInUse } from '../../core/blockTime';

export type Connection = 'connecting' | 'up' | 'down' | 'stopped';

export interface LiveInfo {
  /** Absolute path of the log the run writes. */
  logFile: string;
  connection: Connection;
  /** Reason of the last 'down' (ConnectionLost, Timeout...). */
  downReason?: string;
  /** Why, in words an operator can act on ("WebSocket handshake refused: HTTP 404 …", "wrong chain id …"). */
  downDetail?: string;
  /** Endpoint label (host:port), never the URL. */
  source: string;
  head?: number;
  /** The monitor's missed % since the run started: records / (processed + records) × 100. */
  missedRate?: number;
  /** The block time in use and where it came from (the service's, as /health shows it). */
  blockTime?: BlockTimeInUse;
  /** Startup backfill in progress: 'n/m blocks'. */
  backfill?: string;
  /** Early warning (`[risk]` in the config): the riskiest endpoint after the latest probe round. */
  risk?: LiveRisk;
}

export interface LiveRisk {
  /** Endpoint label the figures are about (host:port). */
  source: string;
  /** In [0, 1]: the chance of a miss within the next few slots. */
  score: number;
  threshold: number;
  /** Rounds in a row at or above the threshold (0: below). */
  above: number;
  /** Strongest first, at most 3. */
  reasons: string[];
}

/** One log as the views see it: who writes it and what it holds. */
export interface LogView {
  file: string;
  /** Path shown to people (workspace-relative when possible). */
  displayName: string;
  badLines: number;
  /** Present when this window's monitor writes this log. */
  live?: LiveInfo;
  /** Unix ms when this window's monitor of this log was stopped (absent: never started here, or running). */
  stoppedAt?: number;
}
