// The API over a live MonitorService on a real anvil, with real faults: a timestamp gap (a missed
// slot), a proxy answering 429 while blocks are mined (endpoint down, a gap recovered later, a
// streak that alerts). Afterwards /stats, /metrics and /report agree with the log file.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startLiveApi } from '../../src/node/api/liveProvider';
import type { RunningHttpServer } from '../../src/node/api/server';
import { recordKey, type MissedBlock } from '../../src/core/model';
import { startAnvil, stopAllAnvils } from '../helpers/anvil';
import { guardProcess } from '../helpers/guard';
import { get, parseExposition, promtoolCheck, sse, sumOf, type SseClient } from '../helpers/http';
import { startProxy, type RpcProxy } from '../helpers/proxy';
import { latestBlock, mineAt, mineSteady, readLog, removeDir, startService, type Running } from '../helpers/service';
import { waitFor } from '../helpers/wait';

guardProcess();
const runs: Running[] = [];
const proxies: RpcProxy[] = [];
const apis: RunningHttpServer[] = [];
const clients: SseClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  for (const a of apis) await a.close();
  for (const r of runs) {
    await r.stop();
    removeDir(r.dir);
  }
  for (const p of proxies) await p.close();
  await stopAllAnvils();
});

/** What a log reader keeps: the last record of each key. */
function latestOf(log: MissedBlock[]): MissedBlock[] {
  const m = new Map<string, MissedBlock>();
  for (const r of log) m.set(recordKey(r), r);
  return [...m.values()];
}

function countBy(rs: MissedBlock[], k: 'reason' | 'severity'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rs) out[r[k]] = (out[r[k]] ?? 0) + 1;
  return out;
}

const json = async (url: string) => JSON.parse((await get(url)).body);
const scrape = async (url: string) => parseExposition((await get(`${url}/metrics`)).body);

describe('HTTP API over a live monitor on anvil', () => {
  test('faults show up live on /events, /health and /metrics; afterwards every endpoint agrees with the log', async () => {
    const node = await startAnvil();
    await mineAt(node, Math.floor(Date.now() / 1000) + 30);
    const proxy = await startProxy(node.url, { retryAfterSec: 0 });
    proxies.push(proxy);
    const run = await startService({
      urls: [proxy.url],
      monitoring: { alertThreshold: 3 },
      options: { source: { pollIntervalMs: 100, timeoutMs: 500, backoff: { initialMs: 100, maxMs: 300 } } },
    });
    runs.push(run);
    const api = await startLiveApi(run.svc, { port: 0 });
    apis.push(api);
    const label = run.svc.endpoints[0].label;
    const reference = sse(`${api.url}/events`);
    const away = sse(`${api.url}/events`);
    clients.push(reference, away);
    assert.equal(await reference.status, 200);
    await away.status;
    await run.head(1);
    assert.equal((await get(`${api.url}/health`)).status, 200);

    // Fault 1: the next block comes one slot late: a missed slot.
    const { timestamp } = await latestBlock(node);
    const minedAt = Date.now();
    await mineAt(node, timestamp + 2);
    const first = await reference.next((e) => e.event === 'record', 1_000);
    assert.ok(first.at - minedAt < 1_000, `first record event ${first.at - minedAt} ms after the block was mined`);
    assert.equal((JSON.parse(first.data) as MissedBlock).kind, 'missed_slot');
    await away.next((e) => e.event === 'record');
    away.close();
    const lastSeen = away.events.at(-1)!.id!;

    // Fault 2: the node answers 429 while 3 blocks are mined: endpoint down, head kept, a gap of
    // 2 blocks that makes the streak 3 = alert_threshold (records escalated to Critical: rewrites).
    proxy.setMode('ratelimit');
    await waitFor(() => run.statuses.some((s) => s.state === 'down'), { what: 'status down' });
    const down = await get(`${api.url}/health`);
    assert.equal(down.status, 503);
    assert.deepEqual(JSON.parse(down.body).endpoints, [{ label, up: false, head: 2, error: 'HTTP 429 Too Many Requests' }]);
    let m = await scrape(api.url);
    assert.equal(m.get(`mev_relay_endpoint_up{source="${label}"}`), 0);
    assert.equal(m.get(`mev_relay_head_block{source="${label}"}`), 2, 'the head gauge keeps its last value');
    await mineSteady(node, 3); // 3, 4, 5 unseen
    proxy.setMode('pass');
    await run.until('the gap recovered', (rs) => rs.filter((r) => r.kind === 'gap' && r.recovered).length === 2);
    await run.head(5);
    await reference.next((e) => e.event === 'recovered');
    const alert = await reference.next((e) => e.event === 'alert');
    assert.match(JSON.parse(alert.data).message, /ALERT/);
    assert.equal((await get(`${api.url}/health`)).status, 200);

    // Everything the monitor made is in the log; now compare every face with the file.
    await run.svc.flush();
    const log = latestOf(readLog(run.logPath));
    const total = log.length;
    const recovered = log.filter((r) => r.recovered).length;
    assert.ok(total === 3 && recovered === 2, `faults made records (${total}, ${recovered} recovered)`);

    const stats = await json(`${api.url}/stats`);
    const report = await json(`${api.url}/report`);
    m = await scrape(api.url);
    assert.equal(stats.total_missed, total);
    assert.equal(stats.recovered, recovered);
    assert.equal(report.total_missed, total);
    assert.equal(report.recovered, recovered);
    assert.deepEqual(Object.fromEntries(Object.entries(report.by_reason).filter(([, n]) => n !== 0)), countBy(log, 'reason'));
    assert.deepEqual(Object.fromEntries(Object.entries(report.by_severity).filter(([, n]) => n !== 0)), countBy(log, 'severity'));
    assert.deepEqual(report.by_reason, stats.by_reason);
    assert.deepEqual(report.by_severity, stats.by_severity);
    assert.equal(report.current_streak, stats.current_streak);
    assert.equal(report.longest_streak, stats.longest_streak);

    assert.equal(sumOf(m, 'mev_relay_blocks_missed_total'), total);
    for (const [reason, n] of Object.entries(countBy(log, 'reason'))) assert.equal(m.get(`mev_relay_blocks_missed_total{reason="${reason}"}`), n, reason);
    assert.equal(sumOf(m, 'mev_relay_missed_blocks_by_severity_total'), total);
    assert.equal(m.get('mev_relay_blocks_recovered_total'), recovered);
    assert.equal(m.get('mev_relay_missed_block_duration_seconds_count'), recovered);
    assert.equal(m.get('mev_relay_blocks_processed_total'), stats.blocks_processed);
    assert.equal(m.get('mev_relay_current_missed_streak'), stats.current_streak);
    assert.equal(m.get('mev_relay_longest_missed_streak'), stats.longest_streak);
    assert.equal(m.get(`mev_relay_endpoint_up{source="${label}"}`), 1);
    assert.equal(m.get(`mev_relay_head_block{source="${label}"}`), 5);
    const { code, output } = await promtoolCheck((await get(`${api.url}/metrics`)).body);
    assert.equal(code, 0, output);

    // The client that left after the alert resumes with Last-Event-ID and misses nothing.
    const back = sse(`${api.url}/events`, { 'last-event-id': lastSeen });
    clients.push(back);
    const lastId = reference.events.at(-1)!.id!;
    await back.next((e) => e.id === lastId);
    assert.deepEqual([...away.events, ...back.events].map((e) => e.id), reference.events.map((e) => e.id));
    const created = reference.events.filter((e) => e.event === 'record').length;
    assert.equal(created, total, 'one record event per missed block; rewrites are recovered/updated events');
  });
});
