// A restart finishes what the last run's recovery left open: gap records the log holds unrecovered
// (the process was stopped or killed between retries) are fetched from anvil and rewritten as
// recovered, with the chain's hashes; recovered and given-up records are left alone.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { startAnvil, stopAllAnvils } from '../helpers/anvil';
import { guardProcess } from '../helpers/guard';
import { mineAt, mineSteady, readLog, removeDir, startService } from '../helpers/service';

guardProcess();
const dirs: string[] = [];
after(async () => {
  await stopAllAnvils();
  for (const d of dirs) removeDir(d);
});

const gap = (n: number, extra: Partial<MissedBlock> = {}): MissedBlock => ({
  timestamp: 1_700_000_000,
  block_number: n,
  reason: 'ConnectionLost',
  severity: 'High',
  expected_timestamp: 1_700_000_000,
  actual_timestamp: 1_700_000_000,
  recovery_attempts: 1,
  recovered: false,
  metadata: { detected_by: 'number_gap' },
  alert_sent: false,
  kind: 'gap',
  chain_id: 31337,
  source: 'earlier-run',
  ...extra,
});

test('unrecovered gaps in the log are recovered after a restart; settled ones are not touched', async () => {
  const node = await startAnvil();
  await mineAt(node, Math.floor(Date.now() / 1000) + 30);
  await mineSteady(node, 6);
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-carried-'));
  dirs.push(dir);
  mkdirSync(dir, { recursive: true });
  const logPath = path.join(dir, 'missed_blocks.jsonl');
  const before = [
    gap(2),
    gap(3),
    gap(4, { recovered: true, recovered_at: 1_700_000_010, recovery_ms: 10_000, severity: 'Low' }),
    gap(5, { recovery_attempts: 3, reason: 'RpcError', metadata: { detected_by: 'number_gap', recovery_failed: true } }),
  ];
  writeFileSync(logPath, before.map((r) => `${toLogLine(r)}\n`).join(''));

  const run = await startService({ urls: [node.url], dir });
  try {
    const recovered = await run.until('blocks 2 and 3 recovered', (rs) => {
      const done = rs.filter((r) => r.recovered && (r.block_number === 2 || r.block_number === 3));
      return done.length === 2 && done;
    });
    for (const r of recovered) {
      const chain = await node.rpc<{ hash: string }>('eth_getBlockByNumber', [`0x${r.block_number.toString(16)}`, false]);
      assert.equal(r.block_hash, chain.hash, `block ${r.block_number} recovered with the chain's hash`);
      assert.equal(r.source, 'earlier-run', 'the record keeps what the earlier run wrote');
      assert.ok(r.recovery_attempts >= 1);
    }
    assert.ok(run.warnings.some((w) => /resuming recovery of 2 gap records/.test(w)), run.warnings.join('\n'));
    await run.svc.flush();
    const lines = readLog(logPath);
    const linesFor = (n: number) => lines.filter((r) => r.block_number === n && r.kind === 'gap');
    assert.deepEqual(linesFor(2).map((r) => r.recovered), [false, true], 'one new line: the recovery');
    assert.deepEqual(linesFor(3).map((r) => r.recovered), [false, true]);
    assert.equal(linesFor(4).length, 1, 'an already recovered record is not written again');
    assert.equal(linesFor(5).length, 1, 'a record recovery gave up on is not retried');
    assert.equal(run.events.filter((e) => e.change === 'new' && e.r.kind === 'gap' && e.r.block_number <= 5).length, 0, 'carried records are not announced as new');
  } finally {
    await run.stop();
  }
});
