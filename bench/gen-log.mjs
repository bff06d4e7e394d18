// Deterministic, realistic missed-block logs for the export benchmark and for samples/sample.jsonl.
// Plain ESM (no build step) so `node bench/...` runs it directly. The mix mirrors what the monitor
// writes: mostly short gaps and delays, a few missed slots and reorgs, some records written again
// when the block is recovered later (so readers must collapse them), metadata of a few fields.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const REASONS = ['NetworkLatency', 'NodeUnresponsive', 'RpcError', 'Timeout', 'ConnectionLost', 'RateLimitExceeded', 'Unknown'];
const SOURCES = ['primary-ws', 'backup-http', 'infura'];

/** Small seeded PRNG (mulberry32): the same seed gives the same log on every machine. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (rand, n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[(rand() * 16) | 0];
  return s;
};

/**
 * Yields `count` log lines (without newline). About 1 in 20 records is a later rewrite of an
 * earlier (block_number, kind) marking it recovered.
 */
export function* generateLines(count, { seed = 42, startBlock = 19_000_000, startTime = 1_710_000_000 } = {}) {
  const rand = rng(seed);
  let block = startBlock;
  let time = startTime;
  const pending = [];
  for (let i = 0; i < count; i++) {
    if (pending.length > 0 && rand() < 0.05) {
      const r = pending.splice((rand() * pending.length) | 0, 1)[0];
      const delay = 2 + ((rand() * 40) | 0);
      r.timestamp += delay;
      r.recovered = true;
      r.recovery_attempts = 1 + ((rand() * 3) | 0);
      r.severity = 'Low';
      r.recovered_at = r.timestamp;
      r.recovery_ms = delay * 1000 + ((rand() * 1000) | 0);
      yield JSON.stringify(r);
      continue;
    }
    block += rand() < 0.7 ? 1 : 1 + ((rand() * 30) | 0);
    time += 12 * (1 + ((rand() * 3) | 0));
    const roll = rand();
    const kind = roll < 0.55 ? 'gap' : roll < 0.85 ? 'delayed' : roll < 0.95 ? 'missed_slot' : 'reorg';
    const reason = kind === 'reorg' ? 'ChainReorg' : kind === 'delayed' ? 'NetworkLatency' : kind === 'missed_slot' ? 'Unknown' : REASONS[(rand() * REASONS.length) | 0];
    const severity = kind === 'delayed' ? 'Medium' : kind === 'gap' ? 'High' : kind === 'missed_slot' ? 'High' : rand() < 0.5 ? 'Medium' : 'High';
    const expected = time - 12;
    const r = {
      timestamp: time + ((rand() * 30) | 0),
      block_number: block,
      reason,
      severity,
      expected_timestamp: expected,
      actual_timestamp: time + ((rand() * 40) | 0),
      recovery_attempts: 0,
      recovered: false,
      metadata: kind === 'gap' ? { from_block: block - 1, gap: 1 + ((rand() * 4) | 0) } : kind === 'reorg' ? { old_hash: `0x${hex(rand, 64)}` } : { delay_s: 30 + ((rand() * 60) | 0) },
      alert_sent: rand() < 0.1,
      kind,
      chain_id: 1,
      source: SOURCES[(rand() * SOURCES.length) | 0],
    };
    if (kind === 'reorg') {
      r.block_hash = `0x${hex(rand, 64)}`;
      r.reorg_depth = 1 + ((rand() * 3) | 0);
    }
    if (pending.length < 1000) pending.push({ ...r });
    yield JSON.stringify(r);
  }
}

/** Writes `count` lines to `file`, respecting backpressure. */
export async function writeLog(file, count, opts) {
  const out = createWriteStream(file);
  let buf = '';
  for (const line of generateLines(count, opts)) {
    buf += line + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}
