// Transport faults, for real: kill -9 of anvil and a restart on the same port (chain kept with
// anvil --state), a proxy answering 429, a proxy that stalls, a node that is not there at start.
// Blocks mined while the feed is cut are a gap whose reason is the transport error seen, and
// recovery then fetches them (records rewritten as recovered).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, startAnvil, waitPersisted } from '../helpers/anvil';
import { startProxy, type ProxyMode } from '../helpers/proxy';
import { waitFor } from '../helpers/wait';
import { mineAt, mineSteady, readLog, startService, type Running } from '../helpers/service';
import { serviceRuns } from '../helpers/serviceRuns';

const { runs, proxies } = serviceRuns();

const brief = (rs: { block_number: number; kind?: string; reason: string; recovered: boolean }[]) =>
  rs.map((r) => `${r.block_number} ${r.kind} ${r.reason}${r.recovered ? ' recovered' : ''}`);

const waitStatus = (run: Running, state: 'up' | 'down', reason?: string) =>
  waitFor(() => run.statuses.some((s) => s.state === state && (reason === undefined || (s.state === 'down' && s.reason === reason))), {
    what: `status ${state}${reason ? ` ${reason}` : ''} (seen: ${JSON.stringify(run.statuses)})`,
  });

describe('node killed and restarted', () => {
  test('kill -9 of anvil, restart on the same port, 2 blocks missed: 2 ConnectionLost gap records, then recovered', async () => {
    const node = await startAnvil({ persist: true });
    await mineAt(node, Math.floor(Date.now() / 1000) + 30);
    // Reconnect every 3 s: time for the restarted node to mine before the monitor is back.
    const run = await startService({ urls: [node.wsUrl], options: { source: { backoff: { initialMs: 3_000, maxMs: 3_000, jitter: 0 }, timeoutMs: 2_000 } } });
    runs.push(run);
    await mineSteady(node, 2);
    await run.head(3);
    await waitPersisted(node, 3);
    await node.kill('SIGKILL');
    await waitStatus(run, 'down', 'ConnectionLost');
    await node.start();
    assert.equal(await node.blockNumber(), 3, 'the restarted node kept its chain');
    await mineSteady(node, 3); // 4, 5, 6 while the monitor is disconnected
    await waitStatus(run, 'up');
    await run.until('both gap records recovered', (rs) => rs.length === 2 && rs.every((r) => r.recovered));
    assert.deepEqual(brief(run.latest()), ['4 gap ConnectionLost recovered', '5 gap ConnectionLost recovered']);
    for (const r of run.latest()) {
      assert.equal(r.severity, 'Low');
      assert.equal(r.recovery_attempts, 1);
      assert.equal(typeof r.recovered_at, 'number');
      assert.ok(r.recovery_ms! >= 0);
      assert.match(r.block_hash!, /^0x[0-9a-f]{64}$/);
    }
    await run.head(6);
    // In the file: first the detection, then the rewritten record (readers keep the last).
    await run.svc.flush();
    assert.deepEqual(
      readLog(run.logPath).map((r) => `${r.block_number} ${r.recovered}`),
      ['4 false', '5 false', '4 true', '5 true'],
    );
  });

  test('a node that is not there at start is a ConnectionLost status, then followed once it appears', async () => {
    const port = await freePort();
    const run = await startService({ urls: [`ws://127.0.0.1:${port}`], options: { source: { backoff: { initialMs: 100, maxMs: 200 } } } });
    runs.push(run);
    await waitStatus(run, 'down', 'ConnectionLost');
    const node = await startAnvil({ port });
    await mineSteady(node, 1);
    await waitStatus(run, 'up');
    await run.head(1);
    assert.deepEqual(run.latest(), []);
  });
});

describe('faults injected by a proxy (HTTP polling)', () => {
  for (const [mode, reason] of [['ratelimit', 'RateLimitExceeded'], ['stall', 'Timeout']] as [ProxyMode, string][]) {
    test(`proxy ${mode} while 3 blocks are mined: 2 ${reason} gap records, recovered once it passes again`, async () => {
      const node = await startAnvil();
      await mineAt(node, Math.floor(Date.now() / 1000) + 30);
      const proxy = await startProxy(node.url, { retryAfterSec: 0 });
      proxies.push(proxy);
      const run = await startService({ urls: [proxy.url], options: { source: { pollIntervalMs: 100, timeoutMs: 500, backoff: { initialMs: 100, maxMs: 300 } } } });
      runs.push(run);
      await run.head(1);
      proxy.setMode(mode);
      await waitStatus(run, 'down', reason);
      await mineSteady(node, 3); // 2, 3, 4 unseen
      proxy.setMode('pass');
      await run.until('both gap records recovered', (rs) => rs.length === 2 && rs.every((r) => r.recovered));
      assert.deepEqual(brief(run.latest()), [`2 gap ${reason} recovered`, `3 gap ${reason} recovered`]);
      await run.head(4);
    });
  }
});
