// Sub-second and slot-less chains: block timestamps count whole seconds, so blocks 100 ms or 250 ms
// apart share timestamps and cannot show a missed slot. A minute of such a chain must give no
// records at all: missed-slot detection says once that it is off, and delays and gaps still run.
// The three minute-long runs go side by side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAnvil } from '../helpers/anvil';
import { readLog, startService } from '../helpers/service';
import { serviceRuns } from '../helpers/serviceRuns';
import { waitFor } from '../helpers/wait';

const { runs } = serviceRuns();

const MINUTE_MS = 60_000;

interface Case {
  name: string;
  blockTime: number;
  chainId?: number;
  /** expected_block_time as configured; undefined: not set (the chain preset decides). */
  configuredMs?: number;
  notice: RegExp;
  source: string;
}

const CASES: Case[] = [
  { name: 'anvil --block-time 0.1, expected_block_time = "100ms"', blockTime: 0.1, configuredMs: 100, source: 'config', notice: /^Missed-slot detection is off: 100 ms blocks are finer than block timestamps \(whole seconds\); relying on delays and gaps$/ },
  { name: 'anvil --block-time 0.25, expected_block_time = "250ms"', blockTime: 0.25, configuredMs: 250, source: 'config', notice: /^Missed-slot detection is off: 250 ms blocks are finer than block timestamps/ },
  { name: 'anvil --chain-id 42161 --block-time 0.25 (Arbitrum One preset), expected_block_time not set', blockTime: 0.25, chainId: 42161, source: 'preset', notice: /^Arbitrum One \(chain 42161\): blocks are not made on fixed slots; missed-slot detection is off, relying on delays and gaps$/ },
];

test('a minute of sub-second blocks gives no records', { concurrency: true, timeout: 180_000 }, async (t) => {
  await Promise.all(
    CASES.map((c) =>
      t.test(c.name, async () => {
        const node = await startAnvil({ blockTime: c.blockTime, ...(c.chainId !== undefined ? { chainId: c.chainId } : {}) });
        const monitoring = c.configuredMs !== undefined ? { expectedBlockTimeMs: c.configuredMs, maxBlockDelayMs: 30_000 } : { expectedBlockTimeExplicit: false, maxBlockDelayMs: 30_000 };
        const run = await startService({ urls: [node.wsUrl], monitoring });
        runs.push(run);
        const startedAt = Date.now();
        const first = await waitFor(() => run.svc.monitor.lastProcessed()?.number, { what: 'a first block' });
        // A minute of the chain, by the chain's own count of blocks (and at least a minute of wall clock).
        const blocks = Math.round(MINUTE_MS / 1000 / c.blockTime);
        await waitFor(() => (run.svc.monitor.lastProcessed()!.number - first >= blocks && Date.now() - startedAt >= MINUTE_MS) || undefined, {
          timeoutMs: 2 * MINUTE_MS,
          intervalMs: 500,
          what: `${blocks} blocks and a minute`,
        });
        const processed = run.svc.getStats().blocks_processed;
        assert.ok(processed >= blocks, `${processed} blocks processed`);
        assert.deepEqual(run.latest().map((r) => `${r.block_number} ${r.kind} ${r.reason}`), [], 'no records');
        await run.svc.flush();
        assert.deepEqual(readLog(run.logPath), [], 'an empty log');
        assert.equal(run.notices.filter((n) => c.notice.test(n)).length, 1, `said once (notices: ${run.notices.join(' | ')})`);
        assert.equal(run.svc.blockTimeInUse().slots, false);
        assert.equal(run.svc.blockTimeInUse().source, c.source);
        t.diagnostic(`${c.name}: ${processed} blocks in ${Math.round((Date.now() - startedAt) / 1000)} s, ${run.latest().length} records`);
      }),
    ),
  );
});
