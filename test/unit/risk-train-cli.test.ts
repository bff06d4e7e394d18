import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTrain } from '../../src/cli/commands/train';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { parseRiskModel } from '../../src/core/risk';

const io = () => {
  const err: string[] = [];
  return { io: { stdout: { write: () => true }, stderr: { write: (s: string) => err.push(s) } } as never, err };
};

const gap = (n: number, t: number): MissedBlock => ({
  timestamp: t, block_number: n, reason: 'NodeUnresponsive', severity: 'Medium', expected_timestamp: t - 2, actual_timestamp: t,
  recovery_attempts: 0, recovered: false, metadata: {}, alert_sent: false, kind: 'gap', source: 'a',
});

test('mbm train: features + log → weights JSON the monitor loads, lag is the strongest positive weight', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mbm-train-'));
  try {
    // 60 one-second lines; misses detected at 1020, 1040, 1059; head_lag = 2 in the 2 s before each.
    const misses = [1020, 1040, 1059];
    const lines: string[] = [];
    for (let t = 1000; t < 1060; t++) {
      const before = misses.some((m) => m > t && m <= t + 2);
      lines.push(JSON.stringify({ t, source: 'a', score: 0, by: 'rules', f: { head_lag: before ? 2 : 0, lat_p50_ms: 10 + (t % 3), error_rate: 0 } }));
    }
    await writeFile(join(dir, 'f.jsonl'), `${lines.join('\n')}\n`);
    await writeFile(join(dir, 'log.jsonl'), misses.map((m, i) => toLogLine(gap(100 + i * 10, m))).join('\n') + '\n');
    const { io: cio, err } = io();
    const code = await runTrain({ features: join(dir, 'f.jsonl'), log: join(dir, 'log.jsonl'), k: 2, blockTimeS: 1, output: join(dir, 'w.json') }, cio);
    assert.equal(code, 0);
    // Left out: the lines at or up to 2 s after a miss — 1020, 1021, 1040, 1041, 1059.
    assert.match(err.join(''), /60 lines \(6 within 2 slots before one of 3 misses, 5 in a miss's aftermath left out\)/);
    const m = parseRiskModel(JSON.parse(await readFile(join(dir, 'w.json'), 'utf8')));
    assert.equal(m.k, 2);
    const w = Object.fromEntries(m.features.map((f, i) => [f, m.weights[i]!]));
    const best = Object.entries(w).sort((a, b) => b[1] - a[1])[0]!;
    assert.equal(best[0], 'head_lag');
    assert.ok(best[1] > 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('mbm train: a malformed features line is a usage error naming file and line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mbm-train-'));
  try {
    await writeFile(join(dir, 'f.jsonl'), '{"t":1,"f":{}}\n{"f":{}}\n');
    await writeFile(join(dir, 'log.jsonl'), '');
    await assert.rejects(runTrain({ features: join(dir, 'f.jsonl'), log: join(dir, 'log.jsonl'), k: 2, blockTimeS: 1, output: join(dir, 'w.json') }, io().io), /f\.jsonl:2: not a features line \(t: expected unix seconds\)/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
