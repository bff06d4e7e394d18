import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRpcAnswer } from '../../src/node/risk/probe';
import { ClassifiedError, RpcResponseError } from '../../src/node/chain/errors';
import { Cusum, SourceSignals, Window, rulesScore, modelScore, parseRiskModel, parseRiskConfig, RiskTracker, type RiskFeatures } from '../../src/core/risk';

const quiet: RiskFeatures = { lat_p50_ms: 10, lat_p99_ms: 20, lat_cusum: 0, lat_last_ms: 10, head_lag: 0, lag_slope: 0, lag_delta: 0, lag_cusum: 0, arrival_delay_s: 0.5, arrival_slope: 0, stall_ratio: 0.5, error_rate: 0, errors_now: 0, reconnects: 0, syncing: 0, peers_low: 0 };

test('window: nearest-rank quantiles and least-squares slope', () => {
  const w = new Window(4);
  for (const x of [1, 2, 3, 4, 5, 6]) w.push(x);
  assert.deepEqual(w.values(), [3, 4, 5, 6]);
  assert.equal(w.quantile(0.5), 4);
  assert.equal(w.quantile(0.99), 6);
  assert.equal(w.slope(), 1);
});

test('cusum: flat input stays at 0, a ramp crosses the alarm level, and it forgets within a few observations', () => {
  const c = new Cusum(0.25, 4, 5);
  for (const x of [10, 10, 10, 10, 10, 10]) c.push(x);
  assert.equal(c.level, 0);
  // baseline 10: z = (x − 10)/10 − 0.25 = 0.75, 1.75, 2.75, 3.75; S = 0.7·S + z → 0.75, 2.275, 4.3425, 6.78975
  for (const x of [20, 30, 40, 50]) c.push(x);
  assert.equal(Math.round(c.level * 1000) / 1000, 1.697);
  // Back to 10: S = 0.7·S − 0.25 → 4.503, 2.902, 1.781 (level 0.445) … 0 on the 7th.
  for (let i = 0; i < 3; i++) c.push(10);
  assert.equal(Math.round(c.level * 1000) / 1000, 0.445);
  for (let i = 0; i < 4; i++) c.push(10);
  assert.equal(c.level, 0);
  // Capped at 2h: one huge sample is level 2, not 25.
  c.push(1000);
  assert.equal(c.level, 2);
});

test('signals: latency quantiles, lag trend, stall and error rate from literal observations', () => {
  const s = new SourceSignals({ window: 4, blockTimeS: 2 });
  s.observe({ at: 100, latenciesMs: [10, 20], headLag: 0, arrivalDelayS: 0.5 });
  s.observe({ at: 102, latenciesMs: [30], headLag: 1, arrivalDelayS: 0.7 });
  const f = s.observe({ at: 106, latenciesMs: [40], headLag: 2, errors: { Timeout: 2 } });
  assert.equal(f.lat_p50_ms, 20);
  assert.equal(f.lat_p99_ms, 40);
  assert.equal(f.head_lag, 2);
  assert.equal(f.lag_slope, 1);
  assert.equal(f.arrival_delay_s, 0.7);
  assert.equal(f.stall_ratio, 2); // 4 s since the block at 102, 2 s blocks
  assert.equal(f.error_rate, 0.667); // 2 errors over 3 observations
  assert.equal(s.errorsByReason.get('Timeout'), 2);
});

test('rules: a quiet source scores 0 with no reasons', () => {
  assert.deepEqual(rulesScore(quiet, 12), { score: 0, reasons: [], by: 'rules' });
});

test('rules: a head falling behind and a stall combine as 1 − Π(1 − c), strongest reason first; a steady lag alone is no alarm', () => {
  const r = rulesScore({ ...quiet, lag_delta: 2, head_lag: 3, stall_ratio: 1.5 }, 12);
  // c(lag_delta) = 0.8 × (2 − 1)/1.5 = 0.533, c(stall) = 0.9 × (1.5 − 1.2)/0.8 = 0.338, c(head_lag) = 0.3
  // → 1 − 0.467 × 0.662 × 0.7 = 0.784
  assert.equal(r.score, 0.784);
  assert.deepEqual(r.reasons.map((x) => [x.feature, x.weight, x.text]), [
    ['lag_delta', 0.533, 'head fell 2 blocks further behind peers'],
    ['stall_ratio', 0.338, 'no block for 1.5 slots'],
    ['head_lag', 0.3, 'head 3 blocks behind peers'],
  ]);
  assert.equal(rulesScore({ ...quiet, head_lag: 5 }, 12).score, 0.3);
  // One block further behind is the phase difference between two nodes, no news: 0.
  assert.equal(rulesScore({ ...quiet, lag_delta: 1 }, 12).score, 0);
  // The latest probe taking half a 12 s slot (6000 ms, a probe cut off at its timeout): c = 0.8;
  // 0.3 of a slot (3600 ms): 0.8 × (3600 − 1800)/4200 = 0.343.
  assert.equal(rulesScore({ ...quiet, lat_last_ms: 6000 }, 12).score, 0.8);
  assert.equal(rulesScore({ ...quiet, lat_last_ms: 3600 }, 12).score, 0.343);
  // Two RPC errors this round: 0.75; the same two where a round has had one on average: 0.375.
  assert.equal(rulesScore({ ...quiet, errors_now: 2 }, 12).score, 0.75);
  assert.equal(rulesScore({ ...quiet, errors_now: 2, error_rate: 1 }, 12).score, 0.5); // + error rate 1 per round: 0.2
  assert.deepEqual(rulesScore({ ...quiet, errors_now: 2 }, 12).reasons.map((x) => x.text), ['2 RPC errors this round']);
});

test('model: logistic score with standardisation, reasons are the largest contributions', () => {
  const m = parseRiskModel({ features: ['head_lag', 'error_rate'], weights: [2, 1], bias: -3, mean: [0, 0], scale: [1, 0.5] });
  const r = modelScore(m, { ...quiet, head_lag: 1, error_rate: 0.5 });
  // z = −3 + 2·1 + 1·(0.5/0.5) = 0 → 0.5
  assert.equal(r.score, 0.5);
  assert.equal(r.by, 'model');
  assert.deepEqual(r.reasons.map((x) => x.feature), ['head_lag', 'error_rate']);
});

test('model: bad weights JSON names the field', () => {
  assert.throws(() => parseRiskModel({ features: ['head_lag'], weights: [1, 2], bias: 0 }, 'w.json'), /w\.json: weights: expected 1 finite numbers/);
  assert.throws(() => parseRiskModel({ features: ['nope'], weights: [1], bias: 0 }), /features: expected names among .*got "nope"/);
  assert.throws(() => parseRiskModel({ features: [], weights: [], bias: 'x' }), /bias: expected a finite number/);
});

test('config: [risk] defaults and errors naming the key', () => {
  assert.deepEqual(parseRiskConfig(undefined), { enabled: false, threshold: 0.7 });
  assert.deepEqual(parseRiskConfig({ threshold: 0.5, alert_after_slots: 3, model: 'w.json' }), { enabled: true, threshold: 0.5, alertAfterSlots: 3, modelPath: 'w.json' });
  assert.throws(() => parseRiskConfig({ threshold: 1.5 }), /risk\.threshold = 1\.5: expected a number between 0 and 1/);
  assert.throws(() => parseRiskConfig({ alert_after_slots: 0 }), /risk\.alert_after_slots = 0/);
  assert.throws(() => parseRiskConfig({ treshold: 0.5 }), /risk\.treshold .*known keys of \[risk\]/);
});

test('tracker: at_risk on crossing, sustained after N slots, cleared when it falls', () => {
  const t = new RiskTracker({ threshold: 0.7, blockTimeS: 1, alertAfterSlots: 2 });
  const seq = [0, 3, 3, 3, 0].map((lag, i) => t.observe('a', { at: 100 + i, headLag: lag, arrivalDelayS: 0.1 }));
  assert.deepEqual(seq.map((u) => u.transition ?? '-'), ['-', 'at_risk', 'sustained', '-', 'cleared']);
  assert.deepEqual(seq.map((u) => u.above), [0, 1, 2, 3, 0]);
});

test('probe: a JSON-RPC error answer is recognised by class or by name along the cause chain; a timeout is not one', () => {
  const refused = new RpcResponseError(-32601, 'Method not found');
  assert.equal(isRpcAnswer(refused), true);
  assert.equal(isRpcAnswer(new ClassifiedError('RpcError', 'x: net_peerCount', { cause: refused })), true);
  // The same error from a second copy of the module (another class object, same name).
  const copy = Object.assign(new Error('JSON-RPC error -32601: Method not found'), { name: 'RpcResponseError' });
  assert.equal(isRpcAnswer(new ClassifiedError('RpcError', 'x', { cause: copy })), true);
  assert.equal(isRpcAnswer(new ClassifiedError('Timeout', 'x: timed out after 1000 ms')), false);
  assert.equal(isRpcAnswer('not an error'), false);
});
