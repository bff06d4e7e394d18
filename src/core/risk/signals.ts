// Per-source early-warning signals, fed one observation per block or tick (pure: the caller
// passes the time). Bounded windows for RPC latency p50/p99, head lag and arrival delay with their
// trends, one-sided CUSUM tests on latency and lag, error counts by reason, WebSocket reconnects.

/** What one block or tick tells about a source. Every field is optional: absent = not measured. */
export interface RiskObservation {
  /** Unix seconds of the observation (block arrival or tick). */
  at: number;
  /** RPC round-trip latencies (ms) measured since the last observation. */
  latenciesMs?: readonly number[];
  /** Blocks behind the best head among peers. */
  headLag?: number;
  /** Arrival − block timestamp (s), for a block observation. */
  arrivalDelayS?: number;
  /** Seconds since the last block arrived (on a tick without a block). */
  sinceLastBlockS?: number;
  /** Errors since the last observation by reason. */
  errors?: Readonly<Record<string, number>>;
  /** WebSocket reconnects since the last observation. */
  reconnects?: number;
  syncing?: boolean;
  peers?: number;
  txpoolPending?: number;
}

/** The feature vector every score and the features log use (names are the model's feature names). */
export interface RiskFeatures {
  lat_p50_ms: number;
  lat_p99_ms: number;
  /** CUSUM of relative latency increase over its baseline, normalised: ≥ 1 = alarm (capped at 2). */
  lat_cusum: number;
  /** The latest round's RPC latency (mean of its probes, ms). */
  lat_last_ms: number;
  head_lag: number;
  /** Head lag change per observation over the window (least squares). */
  lag_slope: number;
  lag_cusum: number;
  arrival_delay_s: number;
  arrival_slope: number;
  /** Seconds since the last block, relative to the expected block time. */
  stall_ratio: number;
  /** Errors per observation over the window. */
  error_rate: number;
  /** Errors in the latest observation. */
  errors_now: number;
  /** Head lag now minus head lag a few observations ago (blocks). */
  lag_delta: number;
  reconnects: number;
  syncing: number;
  /** 1 when the node reports fewer peers than wanted, else 0. */
  peers_low: number;
}

export const FEATURE_NAMES: readonly (keyof RiskFeatures)[] = [
  'lat_p50_ms', 'lat_p99_ms', 'lat_cusum', 'lat_last_ms', 'head_lag', 'lag_slope', 'lag_delta', 'lag_cusum', 'arrival_delay_s',
  'arrival_slope', 'stall_ratio', 'error_rate', 'errors_now', 'reconnects', 'syncing', 'peers_low',
];

/** Observations back that `lag_delta` compares with. */
export const LAG_DELTA_BACK = 4;

export interface SignalOptions {
  /** Observations kept per window. Default 32. */
  window: number;
  /** Expected block time (s). */
  blockTimeS: number;
  /** CUSUM slack k (relative units) and alarm level h. */
  cusumK: number;
  cusumH: number;
  /** Fewer peers than this is `peers_low`. Default 1. */
  minPeers: number;
}

export const DEFAULT_SIGNAL_OPTIONS: Readonly<SignalOptions> = Object.freeze({ window: 32, blockTimeS: 12, cusumK: 0.25, cusumH: 4, minPeers: 1 });

/** Fixed-size ring of numbers. */
export class Window {
  private readonly xs: number[] = [];
  constructor(readonly size: number) {}
  push(x: number): void {
    this.xs.push(x);
    if (this.xs.length > this.size) this.xs.shift();
  }
  get length(): number {
    return this.xs.length;
  }
  values(): readonly number[] {
    return this.xs;
  }
  /** Nearest-rank quantile (q in [0,1]); 0 when empty. */
  quantile(q: number): number {
    if (this.xs.length === 0) return 0;
    const s = [...this.xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  }
  /** Least-squares slope per sample; 0 with fewer than 2. */
  slope(): number {
    const n = this.xs.length;
    if (n < 2) return 0;
    const mx = (n - 1) / 2;
    const my = this.xs.reduce((a, b) => a + b, 0) / n;
    let num = 0;
    let den = 0;
    this.xs.forEach((y, i) => {
      num += (i - mx) * (y - my);
      den += (i - mx) ** 2;
    });
    return num / den;
  }
}

/** How much of S each observation keeps (a forgetting CUSUM). */
const FORGET = 0.7;

/**
 * One-sided upper CUSUM on relative increase over a baseline: S = max(0, λS + (x − μ)/max(μ, floor) − k),
 * with forgetting λ = 0.7 and capped at 2h, so that it comes back down within a few observations
 * once x is back to normal (the plain sum kept one long stall in alarm for minutes). The baseline μ is the mean of the first
 * samples and follows slowly only while S = 0, so a ramp is not absorbed into it. `level` = S / h
 * (≥ 1: alarm; at most 2).
 */
export class Cusum {
  private mu: number | undefined;
  private s = 0;
  private n = 0;
  constructor(
    private readonly k: number,
    private readonly h: number,
    private readonly floor: number,
  ) {}
  push(x: number): number {
    if (this.mu === undefined || this.n < 3) {
      this.n++;
      this.mu = this.mu === undefined ? x : this.mu + (x - this.mu) / this.n;
      return this.level;
    }
    this.s = Math.min(2 * this.h, Math.max(0, FORGET * this.s + (x - this.mu) / Math.max(this.mu, this.floor) - this.k));
    if (this.s === 0) this.mu += 0.05 * (x - this.mu);
    return this.level;
  }
  get level(): number {
    return this.s / this.h;
  }
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** One source's signals. */
export class SourceSignals {
  private readonly o: SignalOptions;
  private readonly lat: Window;
  private readonly lag: Window;
  private readonly arrival: Window;
  private readonly errs: Window;
  private readonly latCusum: Cusum;
  private readonly lagCusum: Cusum;
  private reconnects: Window;
  private lastBlockAt: number | undefined;
  private latLast = 0;
  private errorsNow = 0;
  private syncing = false;
  private peers: number | undefined;
  readonly errorsByReason = new Map<string, number>();

  constructor(opts: Partial<SignalOptions> = {}) {
    this.o = { ...DEFAULT_SIGNAL_OPTIONS, ...opts };
    this.lat = new Window(this.o.window * 4);
    this.lag = new Window(this.o.window);
    this.arrival = new Window(this.o.window);
    this.errs = new Window(this.o.window);
    this.reconnects = new Window(this.o.window);
    // Latency is judged against a tenth of a slot at least: a 20 ms baseline doubling is no news.
    this.latCusum = new Cusum(this.o.cusumK, this.o.cusumH, 100 * this.o.blockTimeS);
    this.lagCusum = new Cusum(this.o.cusumK, this.o.cusumH, 1);
  }

  /** Feed one observation; returns the features after it. */
  observe(ob: RiskObservation): RiskFeatures {
    for (const l of ob.latenciesMs ?? []) this.lat.push(l);
    if (ob.latenciesMs?.length) {
      this.latLast = ob.latenciesMs.reduce((a, b) => a + b, 0) / ob.latenciesMs.length;
      this.latCusum.push(this.latLast);
    }
    if (ob.headLag !== undefined) {
      this.lag.push(ob.headLag);
      this.lagCusum.push(ob.headLag);
    }
    if (ob.arrivalDelayS !== undefined) {
      this.arrival.push(ob.arrivalDelayS);
      this.lastBlockAt = ob.at;
    }
    let errors = 0;
    for (const [reason, n] of Object.entries(ob.errors ?? {})) {
      errors += n;
      this.errorsByReason.set(reason, (this.errorsByReason.get(reason) ?? 0) + n);
    }
    this.errs.push(errors);
    this.errorsNow = errors;
    this.reconnects.push(ob.reconnects ?? 0);
    if (ob.syncing !== undefined) this.syncing = ob.syncing;
    if (ob.peers !== undefined) this.peers = ob.peers;
    const since = ob.sinceLastBlockS ?? (this.lastBlockAt === undefined ? 0 : ob.at - this.lastBlockAt);
    return this.features(since);
  }

  private features(sinceLastBlockS: number): RiskFeatures {
    const sum = (w: Window) => w.values().reduce((a, b) => a + b, 0);
    const lagVals = this.lag.values();
    const arrVals = this.arrival.values();
    return {
      lat_p50_ms: round(this.lat.quantile(0.5), 1),
      lat_p99_ms: round(this.lat.quantile(0.99), 1),
      lat_cusum: round(this.latCusum.level),
      lat_last_ms: round(this.latLast, 1),
      head_lag: lagVals.length ? lagVals[lagVals.length - 1]! : 0,
      lag_slope: round(this.lag.slope()),
      lag_delta: lagVals.length ? lagVals[lagVals.length - 1]! - lagVals[Math.max(0, lagVals.length - 1 - LAG_DELTA_BACK)]! : 0,
      lag_cusum: round(this.lagCusum.level),
      arrival_delay_s: arrVals.length ? round(arrVals[arrVals.length - 1]!) : 0,
      arrival_slope: round(this.arrival.slope()),
      stall_ratio: round(Math.max(0, sinceLastBlockS) / this.o.blockTimeS),
      error_rate: round(this.errs.length ? sum(this.errs) / this.errs.length : 0),
      errors_now: this.errorsNow,
      reconnects: sum(this.reconnects),
      syncing: this.syncing ? 1 : 0,
      peers_low: this.peers !== undefined && this.peers < this.o.minPeers ? 1 : 0,
    };
  }
}
