// The risk score in [0, 1] that a miss (gap, delayed, missed slot) happens within the next few
// slots, with the top reasons named. Two scorers over the same features: transparent rules (each
// signal's contribution c ∈ [0, 1] combined as 1 − Π(1 − c)), and a logistic model whose weights
// come from `mbm train`; when a model is loaded its score replaces the rules'.
import { FEATURE_NAMES, type RiskFeatures } from './signals';

export interface RiskReason {
  feature: keyof RiskFeatures | string;
  /** Contribution to the score (rules: c; model: w·x standardised). */
  weight: number;
  text: string;
}

export interface RiskScore {
  score: number;
  /** Strongest first, at most 3. */
  reasons: RiskReason[];
  by: 'rules' | 'model';
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Rule contributions from one feature vector; blockTimeS scales latency and delays. */
export function ruleContributions(f: RiskFeatures, blockTimeS: number): RiskReason[] {
  const blockMs = blockTimeS * 1000;
  // Each signal alone reaches the default threshold (0.7) only when it is already close to a miss:
  // the latest probe taking most of a slot, no block for well over a slot, errors in this round,
  // the head three blocks behind. Trends and window averages add to them, never decide alone.
  const c: RiskReason[] = [
    { feature: 'lat_last_ms', weight: 0.8 * clamp01((f.lat_last_ms - 0.15 * blockMs) / (0.35 * blockMs)), text: `RPC latency ${f.lat_last_ms} ms` },
    { feature: 'lat_cusum', weight: 0.3 * clamp01(f.lat_cusum - 0.5), text: `RPC latency rising (p50 ${f.lat_p50_ms} ms)` },
    { feature: 'lat_p99_ms', weight: 0.2 * clamp01((f.lat_p99_ms - 0.25 * blockMs) / (0.5 * blockMs)), text: `RPC latency p99 ${f.lat_p99_ms} ms` },
    // A head that stays N blocks behind but keeps step is not about to miss; one falling further behind is.
    { feature: 'lag_delta', weight: 0.8 * clamp01((f.lag_delta - 1) / 1.5), text: `head fell ${f.lag_delta} block${f.lag_delta === 1 ? '' : 's'} further behind peers` },
    { feature: 'head_lag', weight: 0.3 * clamp01(f.head_lag / 3), text: `head ${f.head_lag} block${f.head_lag === 1 ? '' : 's'} behind peers` },
    { feature: 'lag_cusum', weight: 0.1 * clamp01(f.lag_cusum), text: 'head lag trending up' },
    { feature: 'arrival_delay_s', weight: 0.4 * clamp01((f.arrival_delay_s - 0.75 * blockTimeS) / blockTimeS), text: `blocks arriving ${f.arrival_delay_s} s late` },
    { feature: 'arrival_slope', weight: 0.2 * clamp01(f.arrival_slope / (0.1 * blockTimeS)), text: 'block arrival delay growing' },
    { feature: 'stall_ratio', weight: 0.9 * clamp01((f.stall_ratio - 1.2) / 0.8), text: `no block for ${f.stall_ratio} slots` },
    { feature: 'errors_now', weight: 0.75 * clamp01((f.errors_now - f.error_rate) / 2), text: `${f.errors_now} RPC error${f.errors_now === 1 ? '' : 's'} this round` },
    { feature: 'error_rate', weight: 0.2 * clamp01(f.error_rate), text: `RPC errors (${f.error_rate} per round)` },
    { feature: 'reconnects', weight: 0.3 * clamp01(f.reconnects / 2), text: `${f.reconnects} WebSocket reconnect${f.reconnects === 1 ? '' : 's'}` },
    { feature: 'syncing', weight: 0.9 * f.syncing, text: 'node reports syncing' },
    { feature: 'peers_low', weight: 0.6 * f.peers_low, text: 'node has too few peers' },
  ];
  return c.map((x) => ({ ...x, weight: r3(x.weight) }));
}

export function topReasons(cs: readonly RiskReason[], n = 3, min = 0.05): RiskReason[] {
  return cs.filter((c) => c.weight >= min).sort((a, b) => b.weight - a.weight || String(a.feature).localeCompare(String(b.feature))).slice(0, n);
}

export function rulesScore(f: RiskFeatures, blockTimeS: number): RiskScore {
  const cs = ruleContributions(f, blockTimeS);
  const score = 1 - cs.reduce((p, c) => p * (1 - c.weight), 1);
  return { score: r3(score), reasons: topReasons(cs), by: 'rules' };
}

/** Weights JSON as `mbm train` writes it. `mean`/`scale` standardise each feature before its weight. */
export interface RiskModel {
  features: string[];
  weights: number[];
  bias: number;
  mean?: number[];
  scale?: number[];
  /** Slots ahead the labels looked (documentation only). */
  k?: number;
}

/** Validate parsed weights JSON; errors name the field and the form expected. */
export function parseRiskModel(v: unknown, where = 'model'): RiskModel {
  const fail = (field: string, expected: string): never => {
    throw new Error(`${where}: ${field}: expected ${expected}`);
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail('(top level)', 'a JSON object with features, weights, bias');
  const o = v as Record<string, unknown>;
  const numArr = (x: unknown) => Array.isArray(x) && x.every((n) => typeof n === 'number' && Number.isFinite(n));
  if (!Array.isArray(o.features) || !o.features.every((s) => typeof s === 'string')) fail('features', 'a list of feature names');
  const features = o.features as string[];
  for (const name of features) if (!(FEATURE_NAMES as readonly string[]).includes(name)) fail('features', `names among ${FEATURE_NAMES.join(', ')} (got "${name}")`);
  if (!numArr(o.weights) || (o.weights as number[]).length !== features.length) fail('weights', `${features.length} finite numbers (one per feature)`);
  if (typeof o.bias !== 'number' || !Number.isFinite(o.bias)) fail('bias', 'a finite number');
  for (const k of ['mean', 'scale'] as const) {
    if (o[k] !== undefined && (!numArr(o[k]) || (o[k] as number[]).length !== features.length)) fail(k, `${features.length} finite numbers`);
  }
  if (o.scale !== undefined && (o.scale as number[]).some((s) => s <= 0)) fail('scale', 'numbers > 0');
  return { features, weights: o.weights as number[], bias: o.bias as number, mean: o.mean as number[] | undefined, scale: o.scale as number[] | undefined, k: typeof o.k === 'number' ? o.k : undefined };
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The model's inputs for one feature vector (standardised when the model says how). */
export function modelInputs(m: RiskModel, f: Readonly<Record<string, number>>): number[] {
  return m.features.map((name, i) => ((f[name] ?? 0) - (m.mean?.[i] ?? 0)) / (m.scale?.[i] ?? 1));
}

export function modelScore(m: RiskModel, f: RiskFeatures): RiskScore {
  const x = modelInputs(m, f as unknown as Record<string, number>);
  const parts = x.map((xi, i) => ({ feature: m.features[i]!, weight: r3(m.weights[i]! * xi), text: `${m.features[i]} = ${(f as unknown as Record<string, number>)[m.features[i]!]}` }));
  const z = m.bias + parts.reduce((a, p, i) => a + m.weights[i]! * x[i]!, 0);
  return { score: r3(sigmoid(z)), reasons: topReasons(parts, 3, 0.5), by: 'model' };
}

/** The score the monitor shows: the model's when one is loaded, else the rules'. */
export function riskScore(f: RiskFeatures, blockTimeS: number, model?: RiskModel): RiskScore {
  return model ? modelScore(model, f) : rulesScore(f, blockTimeS);
}
