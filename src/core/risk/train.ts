// `mbm train`'s core: label each features-log line by whether a miss (gap, delayed, missed slot)
// is detected within the next k slots, and fit a logistic regression by plain batch gradient
// descent on standardised features (balanced class weights, small L2). No ML dependency.
import { FEATURE_NAMES } from './signals';
import { sigmoid, type RiskModel } from './score';

/** One line of `<log>.features.jsonl` (see README "Features log"). */
export interface FeaturesLine {
  /** Unix seconds. */
  t: number;
  source: string;
  block?: number;
  score: number;
  by: 'rules' | 'model';
  f: Record<string, number>;
}

const MISS_KINDS = new Set(['gap', 'delayed', 'missed_slot']);

/** A parsed features line, or an error naming what is wrong. */
export function parseFeaturesLine(text: string): FeaturesLine {
  const o = JSON.parse(text) as Record<string, unknown>;
  if (typeof o.t !== 'number') throw new Error('t: expected unix seconds');
  if (typeof o.f !== 'object' || o.f === null) throw new Error('f: expected an object of features');
  return o as unknown as FeaturesLine;
}

/** Detection times (unix s) of the misses among log records, sorted. */
export function missTimes(records: readonly { kind?: string; timestamp: number; source?: string }[], source?: string): number[] {
  return records
    .filter((r) => MISS_KINDS.has(r.kind ?? 'gap') && (source === undefined || r.source === undefined || r.source === source))
    .map((r) => r.timestamp)
    .sort((a, b) => a - b);
}

/** 1 when a miss is detected in (t, t + horizonS], else 0. */
export function labelLines(lines: readonly Pick<FeaturesLine, 't'>[], misses: readonly number[], horizonS: number): number[] {
  return lines.map(({ t }) => (misses.some((m) => m > t && m <= t + horizonS) ? 1 : 0));
}

/**
 * The lines to train on and their labels: every line but those in a miss's aftermath (a miss
 * detected within horizonS before it), where the node is already missing and the features say so
 * whatever comes next; fitting them taught the model to score the outage, not what leads to it.
 */
export function trainingSet<L extends Pick<FeaturesLine, 't' | 'f'>>(lines: readonly L[], misses: readonly number[], horizonS: number): { rows: L['f'][]; labels: number[]; skipped: number } {
  const labels = labelLines(lines, misses, horizonS);
  const rows: L['f'][] = [];
  const kept: number[] = [];
  let skipped = 0;
  lines.forEach((l, i) => {
    if (misses.some((m) => m <= l.t && m > l.t - horizonS)) {
      skipped++;
      return;
    }
    rows.push(l.f);
    kept.push(labels[i]!);
  });
  return { rows, labels: kept, skipped };
}

export interface FitOptions {
  epochs: number;
  learningRate: number;
  l2: number;
  features: readonly string[];
}

export const DEFAULT_FIT: Readonly<FitOptions> = Object.freeze({ epochs: 400, learningRate: 0.5, l2: 0.001, features: FEATURE_NAMES });

export interface FitResult {
  model: RiskModel;
  /** Weighted log-loss after each epoch. */
  losses: number[];
  positives: number;
  negatives: number;
}

/** Fit on rows of features (by name) and 0/1 labels. Needs at least one of each label. */
export function fitLogistic(rows: readonly Record<string, number>[], labels: readonly number[], opts: Partial<FitOptions> = {}): FitResult {
  const o = { ...DEFAULT_FIT, ...opts };
  const pos = labels.filter((y) => y === 1).length;
  const neg = labels.length - pos;
  if (pos === 0 || neg === 0) throw new Error(`training needs lines both before a miss and not (got ${pos} positive, ${neg} negative)`);
  const names = [...o.features];
  const d = names.length;
  const raw = rows.map((r) => names.map((n) => (Number.isFinite(r[n]) ? r[n]! : 0)));
  const mean = names.map((_, j) => raw.reduce((a, x) => a + x[j]!, 0) / raw.length);
  const scale = names.map((_, j) => {
    const v = raw.reduce((a, x) => a + (x[j]! - mean[j]!) ** 2, 0) / raw.length;
    return v > 1e-12 ? Math.sqrt(v) : 1;
  });
  const X = raw.map((x) => x.map((xj, j) => (xj - mean[j]!) / scale[j]!));
  // Balanced: both classes weigh half of the loss whatever their counts.
  const cw = [labels.length / (2 * neg), labels.length / (2 * pos)];
  const w = new Array<number>(d).fill(0);
  let b = 0;
  const losses: number[] = [];
  const n = X.length;
  for (let e = 0; e < o.epochs; e++) {
    const gw = new Array<number>(d).fill(0);
    let gb = 0;
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const x = X[i]!;
      const y = labels[i]!;
      const p = sigmoid(b + x.reduce((a, xj, j) => a + w[j]! * xj, 0));
      const c = cw[y]!;
      loss -= c * (y ? Math.log(Math.max(p, 1e-12)) : Math.log(Math.max(1 - p, 1e-12)));
      const g = c * (p - y);
      for (let j = 0; j < d; j++) gw[j]! += g * x[j]!;
      gb += g;
    }
    losses.push(loss / n + (o.l2 / 2) * w.reduce((a, wj) => a + wj * wj, 0));
    for (let j = 0; j < d; j++) w[j]! -= o.learningRate * (gw[j]! / n + o.l2 * w[j]!);
    b -= o.learningRate * (gb / n);
  }
  const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
  return { model: { features: names, weights: w.map(r6), bias: r6(b), mean: mean.map(r6), scale: scale.map(r6) }, losses, positives: pos, negatives: neg };
}

/** Alerts judged against misses: an alert is a true positive when a miss follows within horizonS; a miss is caught when an alert preceded it within horizonS. Lead = miss − first such alert. */
export function evaluateAlerts(alerts: readonly number[], misses: readonly number[], horizonS: number): { precision: number; recall: number; medianLeadS: number | undefined; alerts: number; misses: number } {
  const tp = alerts.filter((a) => misses.some((m) => m > a && m <= a + horizonS)).length;
  const leads: number[] = [];
  for (const m of misses) {
    const first = alerts.find((a) => a < m && a >= m - horizonS);
    if (first !== undefined) leads.push(m - first);
  }
  leads.sort((a, b) => a - b);
  const median = leads.length === 0 ? undefined : leads.length % 2 ? leads[(leads.length - 1) / 2]! : (leads[leads.length / 2 - 1]! + leads[leads.length / 2]!) / 2;
  return { precision: alerts.length ? tp / alerts.length : 0, recall: misses.length ? leads.length / misses.length : 0, medianLeadS: median, alerts: alerts.length, misses: misses.length };
}
