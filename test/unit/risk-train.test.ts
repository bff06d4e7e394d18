import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLogistic, labelLines, missTimes, evaluateAlerts, modelScore, FEATURE_NAMES, type RiskFeatures } from '../../src/core/risk';

test('labels: a line is positive when a gap/delayed/missed_slot is detected within the horizon after it', () => {
  const misses = missTimes([
    { kind: 'gap', timestamp: 110 },
    { kind: 'reorg', timestamp: 105 },
    { kind: 'delayed', timestamp: 130 },
  ]);
  assert.deepEqual(misses, [110, 130]);
  assert.deepEqual(labelLines([{ t: 100 }, { t: 107 }, { t: 110 }, { t: 125 }, { t: 131 }], misses, 3), [0, 1, 0, 0, 0]);
  assert.deepEqual(labelLines([{ t: 100 }, { t: 107 }, { t: 110 }, { t: 125 }, { t: 131 }], misses, 10), [1, 1, 0, 1, 0]);
});

test('train: the informative feature gets the largest positive weight and the loss falls', () => {
  // 40 lines: head_lag is 3 before every miss and 0 otherwise; error_rate alternates regardless (noise).
  const rows: Record<string, number>[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 40; i++) {
    const y = i % 5 === 4 ? 1 : 0;
    rows.push({ head_lag: y ? 3 : 0, error_rate: i % 2, lat_p50_ms: 10 });
    labels.push(y);
  }
  const fit = fitLogistic(rows, labels, { features: ['head_lag', 'error_rate', 'lat_p50_ms'], epochs: 200 });
  assert.equal(fit.positives, 8);
  assert.equal(fit.negatives, 32);
  const [wLag, wErr, wLat] = fit.model.weights;
  assert.ok(wLag! > 1, `head_lag weight ${wLag}`);
  assert.ok(Math.abs(wErr!) < wLag! / 4, `error_rate weight ${wErr}`);
  assert.equal(wLat, 0); // a constant feature cannot move the loss
  assert.ok(fit.losses[199]! < fit.losses[0]! / 4, `loss ${fit.losses[0]} → ${fit.losses[199]}`);
  for (let e = 1; e < fit.losses.length; e++) assert.ok(fit.losses[e]! <= fit.losses[e - 1]! + 1e-12, `loss rose at epoch ${e}`);
  const zero = Object.fromEntries(FEATURE_NAMES.map((n) => [n, 0])) as unknown as RiskFeatures;
  assert.ok(modelScore(fit.model, { ...zero, head_lag: 3, lat_p50_ms: 10 }).score > 0.9);
  assert.ok(modelScore(fit.model, { ...zero, head_lag: 0, lat_p50_ms: 10 }).score < 0.1);
});

test('train: one class only is a clear error', () => {
  assert.throws(() => fitLogistic([{ head_lag: 0 }], [0]), /got 0 positive, 1 negative/);
});

test('evaluate: precision, recall and median lead time', () => {
  // misses at 110 and 130 and 150; alerts at 105 (lead 5), 108, 127 (lead 3), 140 (false)
  const e = evaluateAlerts([105, 108, 127, 140], [110, 130, 150], 6);
  assert.deepEqual(e, { precision: 0.75, recall: 2 / 3, medianLeadS: 4, alerts: 4, misses: 3 });
});
