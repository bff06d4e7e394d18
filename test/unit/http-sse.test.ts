// GET /events over a real log being appended to: a client sees a new record within a second, a
// recovery as its own event, and a client that reconnects with Last-Event-ID misses nothing.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventLog } from '../../src/node/api/events';
import { startLogsProvider } from '../../src/node/api/logsProvider';
import { startHttpServer } from '../../src/node/api/server';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { get, sse, type SseClient } from '../helpers/http';
import { waitFor } from '../helpers/wait';

function rec(n: number, over: Partial<MissedBlock> = {}): MissedBlock {
  return {
    timestamp: 1_700_000_000 + n,
    block_number: n,
    reason: 'Unknown',
    severity: 'High',
    expected_timestamp: 1_700_000_000 + n,
    actual_timestamp: 1_700_000_001 + n,
    recovery_attempts: 0,
    recovered: false,
    metadata: {},
    alert_sent: false,
    kind: 'gap',
    ...over,
  };
}

const dirs: string[] = [];
const cleanups: (() => Promise<void>)[] = [];
const clients: SseClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  for (const c of cleanups.reverse()) await c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function serve(initial: MissedBlock[] = [], o: { eventRing?: number } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-sse-'));
  dirs.push(dir);
  const log = path.join(dir, 'missed_blocks.jsonl');
  writeFileSync(log, initial.map((r) => `${toLogLine(r)}\n`).join(''));
  const provider = await startLogsProvider({ files: [log], ...o });
  const server = await startHttpServer({ port: 0, provider, sse: { heartbeatMs: 200 } });
  cleanups.push(async () => {
    await server.close();
    await provider.close();
  });
  const append = (...rs: MissedBlock[]) => appendFileSync(log, rs.map((r) => `${toLogLine(r)}\n`).join(''));
  const connect = (headers: Record<string, string> = {}, query = '') => {
    const c = sse(`${server.url}/events${query}`, headers);
    clients.push(c);
    return c;
  };
  return { dir, log, provider, server, append, connect };
}

const blockOf = (e: { data: string }) => (JSON.parse(e.data) as MissedBlock).block_number;

describe('/events', () => {
  test('a client sees an appended record, then its recovery, then its alert', async () => {
    const s = await serve([rec(1)]);
    const c = s.connect();
    assert.equal(await c.status, 200);
    // History is not news: the record already in the log is not sent.
    s.append(rec(2));
    const e = await c.next((x) => x.event === 'record', 10_000);
    assert.equal(blockOf(e), 2);
    assert.deepEqual(JSON.parse(e.data), JSON.parse(toLogLine(rec(2))), 'the data is the log record');
    assert.match(e.id!, /^\d+$/);
    s.append(rec(2, { recovered: true, severity: 'Low', recovery_ms: 900 }));
    const r = await c.next((x) => x.event === 'recovered', 10_000);
    assert.equal(blockOf(r), 2);
    assert.equal(Number(r.id), Number(e.id) + 1, 'ids are consecutive');
    s.append(rec(2, { recovered: true, severity: 'Low', recovery_ms: 900, alert_sent: true }));
    await c.next((x) => x.event === 'alert', 10_000);
    assert.deepEqual(c.events.map((x) => x.event), ['record', 'recovered', 'updated', 'alert']);
  });

  test('a client that reconnects with Last-Event-ID misses nothing and gets nothing twice', async () => {
    const s = await serve();
    const watcher = s.connect(); // connected throughout: the reference
    const b1 = s.connect();
    await Promise.all([watcher.status, b1.status]);
    s.append(rec(10), rec(11), rec(12));
    await b1.next((e) => blockOf(e) === 12);
    b1.close();
    const lastSeen = b1.events.at(-1)!.id!;
    // Written while the client is away, in several bursts.
    for (let n = 13; n < 40; n += 3) s.append(rec(n), rec(n + 1), rec(n + 2));
    s.append(rec(20, { recovered: true, recovery_ms: 10 }));
    await watcher.next((e) => e.event === 'recovered' && blockOf(e) === 20);
    const b2 = s.connect({ 'last-event-id': lastSeen });
    s.append(rec(41));
    await b2.next((e) => blockOf(e) === 41);
    await watcher.next((e) => blockOf(e) === 41);
    const ids = (c: SseClient) => c.events.filter((e) => e.event !== 'resync').map((e) => e.id);
    assert.equal(b2.events.filter((e) => e.event === 'resync').length, 0);
    assert.deepEqual([...ids(b1), ...ids(b2)], ids(watcher), 'the two connections together saw exactly what the reference saw');
    assert.deepEqual(watcher.events.map(blockOf), [10, 11, 12, ...Array.from({ length: 27 }, (_, i) => 13 + i), 20, 41]);
    // The same through the query parameter, for clients that cannot set headers.
    const b3 = s.connect({}, `?lastEventId=${lastSeen}`);
    await b3.next((e) => blockOf(e) === 41);
    assert.deepEqual(ids(b3), ids(b2));
  });

  test('resuming from an id the ring no longer holds (or another run’s) says resync first', async () => {
    const s = await serve([], { eventRing: 3 });
    const c = s.connect();
    await c.status;
    s.append(rec(1), rec(2), rec(3), rec(4), rec(5));
    await c.next((e) => blockOf(e) === 5);
    const first = c.events[0].id!;
    const late = s.connect({ 'last-event-id': first });
    const resync = await late.next((e) => e.event === 'resync');
    assert.equal(late.events[0], resync, 'resync comes before anything else');
    assert.equal(JSON.parse(resync.data).last_event_id, Number(first));
    await late.next((e) => blockOf(e) === 5);
    assert.deepEqual(late.events.slice(1).map(blockOf), [3, 4, 5], 'then what the ring still holds');
    const stranger = s.connect({ 'last-event-id': '17' });
    await stranger.next((e) => e.event === 'resync');
    const garbage = s.connect({ 'last-event-id': 'xyz' });
    assert.match(JSON.parse((await garbage.next((e) => e.event === 'resync')).data).reason, /not an event id/);
  });

  test('follows the log across rotation', async () => {
    const s = await serve([rec(1)]);
    const c = s.connect();
    await c.status;
    renameSync(s.log, path.join(s.dir, 'missed_blocks.20240101T000000.jsonl'));
    writeFileSync(s.log, `${toLogLine(rec(2))}\n`);
    assert.equal(blockOf(await c.next((e) => e.event === 'record', 3_000)), 2);
  });

  test('close() ends open streams instead of waiting for clients', async () => {
    const s = await serve();
    const c = s.connect();
    await c.status;
    // Bounded: a close() that waited for the client would never end (the client stays connected).
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 10_000)));
    assert.equal(await Promise.race([s.server.close().then(() => 'closed' as const), bound]), 'closed');
    clearTimeout(timer);
    await assert.rejects(get(`${s.server.url}/health`));
  });
});

describe('EventLog', () => {
  test('ids are monotonic and contiguous; since() resumes exactly or says it cannot', () => {
    const log = new EventLog(4, 100);
    for (let i = 0; i < 6; i++) log.push('record', { i });
    assert.equal(log.nextId, 106);
    assert.deepEqual(log.since(103), { events: [{ id: 104, type: 'record', data: '{"i":4}' }, { id: 105, type: 'record', data: '{"i":5}' }], complete: true });
    assert.deepEqual(log.since(101).events.map((e) => e.id), [102, 103, 104, 105]);
    assert.equal(log.since(101).complete, true);
    assert.equal(log.since(100).complete, false, '101 left the ring');
    assert.deepEqual(log.since(105), { events: [], complete: true });
    assert.equal(log.since(106).complete, false, 'an id never issued');
    assert.deepEqual(log.since(undefined), { events: [], complete: true });
  });

  test('a subscriber hears every push in order', async () => {
    const log = new EventLog(2);
    const got: number[] = [];
    const off = log.subscribe((e) => got.push(e.id));
    const a = log.push('alert', 'x');
    const b = log.push('alert', 'y');
    off();
    log.push('alert', 'z');
    await waitFor(() => got.length === 2);
    assert.deepEqual(got, [a.id, b.id]);
  });
});
