// Redis Streams against Debian's redis-server on loopback (test/helpers/redis.ts): the sink
// publishes records and alerts, a kill -9 of Redis mid-run queues on disk and replays, a replay of
// entries Redis already has doubles nothing; then `mbm watch --redis` against anvil with a Redis
// restart mid-run, read back with `mbm tail --from-redis`, equals the log.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { parseConfigText } from '../../src/core/config';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { readCheckpoint } from '../../src/node/checkpoint';
import type { AlertMessage } from '../../src/node/alerts/message';
import { RedisSink } from '../../src/node/store/redis';
import { startAnvil, stopAllAnvils, type Anvil } from '../helpers/anvil';
import { cliArgs, ROOT, spawnMbm } from '../helpers/cli';
import { startRedis, stopAllRedis } from '../helpers/redis';
import { latestBlock, mineAt } from '../helpers/service';
import { waitFor } from '../helpers/wait';

const dirs: string[] = [];
const children = new Set<ChildProcess>();
const clients: Redis[] = [];
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const c of clients) c.disconnect();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await stopAllAnvils();
  await stopAllRedis();
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'mbm-redis-test-'));
  dirs.push(d);
  return d;
}

function reader(url: string): Redis {
  const c = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

async function entries(url: string, stream: string): Promise<Record<string, string>[]> {
  const rows = (await reader(url).xrange(stream, '-', '+')) as [string, string[]][];
  return rows.map(([, flat]) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : []))));
}

function record(n: number, over: Partial<MissedBlock> = {}): MissedBlock {
  return {
    timestamp: 1_800_000_000 + n, block_number: n, reason: 'Unknown', severity: 'Low', expected_timestamp: 1_800_000_000 + n,
    actual_timestamp: 1_800_000_012 + n, recovery_attempts: 0, recovered: false, metadata: {}, alert_sent: false,
    kind: 'gap', source: '127.0.0.1:8545', chain_id: 31337, ...over,
  };
}

function alert(id: string): AlertMessage {
  return { id, kind: 'alert', incident: '31337/127.0.0.1:8545/streak-5', source: { label: '127.0.0.1:8545', chain_id: 31337 }, severity: 'High', title: 't', text: 'x' } as unknown as AlertMessage;
}

describe('RedisSink', () => {
  test('records and alerts reach the streams with their fields; a Redis kill -9 mid-run loses and doubles nothing', async () => {
    const redis = await startRedis();
    const spool = path.join(tempDir(), 'log.jsonl.redisqueue');
    const warnings: string[] = [];
    const sink = new RedisSink({ url: redis.url, spoolPath: spool, flushMs: 10, retry: { initialMs: 50, maxMs: 300 }, connectTimeoutMs: 500, onWarning: (m) => warnings.push(m) });
    await sink.start();
    for (let n = 1; n <= 15; n++) sink.write(record(n));
    sink.writeAlert(alert('a-1'));
    await sink.idle();
    assert.equal((await entries(redis.url, 'mbm:records')).length, 15);

    await redis.kill();
    for (let n = 16; n <= 30; n++) sink.write(record(n));
    sink.write(record(3, { recovered: true, recovery_attempts: 1 })); // a later version of #3: a new entry
    sink.writeAlert(alert('a-2'));
    await waitFor(() => existsSync(spool) && statSync(spool).size > 0, { what: 'the sink to queue on disk', timeoutMs: 10_000 });
    await redis.start();
    await sink.idle(20_000);
    await sink.close();

    const recs = await entries(redis.url, 'mbm:records');
    const want = [...Array.from({ length: 30 }, (_, i) => record(i + 1)), record(3, { recovered: true, recovery_attempts: 1 })];
    assert.deepEqual(recs.map((e) => e.record), want.map(toLogLine), 'every record once, in write order');
    assert.deepEqual(
      { key: recs[0].key, source: recs[0].source, chain_id: recs[0].chain_id, kind: recs[0].kind, block_number: recs[0].block_number },
      { key: '1:gap', source: '127.0.0.1:8545', chain_id: '31337', kind: 'gap', block_number: '1' },
    );
    assert.equal(new Set(recs.map((e) => e.id)).size, 31);
    const alerts = await entries(redis.url, 'mbm:alerts');
    assert.deepEqual(alerts.map((a) => `${a.id} ${a.kind} ${a.severity} ${a.chain_id} ${a.source}`), ['a-1 alert High 31337 127.0.0.1:8545', 'a-2 alert High 31337 127.0.0.1:8545']);
    assert.ok(warnings.some((w) => /^redis: 127\.0\.0\.1:\d+: .*queueing records in .*redisqueue/.test(w)), warnings.join('\n'));
    assert.ok(warnings.some((w) => /reachable again/.test(w)), warnings.join('\n'));
    assert.equal(statSync(spool).size, 0, 'the disk queue is empty');
  });

  test('a replay of entries Redis already has (crash between XADD and dequeue) adds only the new ones', async () => {
    const redis = await startRedis();
    const spool = path.join(tempDir(), 'log.jsonl.redisqueue');
    const s1 = new RedisSink({ url: redis.url, spoolPath: spool, flushMs: 10 });
    await s1.start();
    for (let n = 1; n <= 5; n++) s1.write(record(n));
    s1.writeAlert(alert('a-1'));
    await s1.idle();
    await s1.close();
    // What a crash before the dequeue leaves: the same lines still queued, plus one not yet sent.
    const queued = [1, 2, 3, 4, 5].map((n) => `r\t${toLogLine(record(n))}`);
    writeFileSync(spool, `${[...queued, `a\t${JSON.stringify(alert('a-1'))}`, `r\t${toLogLine(record(6))}`].join('\n')}\n`);
    const s2 = new RedisSink({ url: redis.url, spoolPath: spool, flushMs: 10 });
    await s2.start();
    await s2.idle();
    await s2.close();
    assert.deepEqual((await entries(redis.url, 'mbm:records')).map((e) => e.block_number), ['1', '2', '3', '4', '5', '6']);
    assert.equal((await entries(redis.url, 'mbm:alerts')).length, 1);
  });

  test('config: [storage] redis_url and redis_max_len; a bad URL names the key without its password', () => {
    const cfg = parseConfigText('[storage]\nredis_url = "redis://127.0.0.1:6379/2"\nredis_max_len = 5000\n');
    assert.deepEqual(cfg.storage, { redisUrl: 'redis://127.0.0.1:6379/2', redisMaxLen: 5000 });
    assert.throws(
      () => parseConfigText('[storage]\nredis_url = "http://:hunter22@127.0.0.1:6379"\n'),
      (e: Error) => /storage\.redis_url = "http:\/\/:\*\*\*@127\.0\.0\.1:6379": expected a Redis URL/.test(e.message) && !e.message.includes('hunter22'),
    );
  });
});

describe('mbm watch --redis / mbm tail --from-redis', () => {
  async function skipSlots(node: Anvil, slots: number): Promise<void> {
    const t = (await latestBlock(node)).timestamp;
    await mineAt(node, t + slots + 1);
  }

  function run(args: string[], timeoutMs = 30_000): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) =>
      execFile(process.execPath, [...cliArgs(), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: timeoutMs, maxBuffer: 16 << 20 }, (e, stdout, stderr) =>
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr }),
      ),
    );
  }

  test('a Redis restart mid-run: the stream read back equals the log, line for line; alerts are published', { timeout: 120_000 }, async (t) => {
    const redis = await startRedis();
    const node = await startAnvil();
    await mineAt(node, Math.floor(Date.now() / 1000) + 30);
    const dir = tempDir();
    const log = path.join(dir, 'watch.jsonl');
    const cfg = path.join(dir, 'mbm.toml');
    writeFileSync(
      cfg,
      '[monitoring]\nexpected_block_time = 1\nmax_block_delay = 3600\nalert_threshold = 2\n\n[logging]\nbatch_size = 1\nbatch_timeout = 0\nenable_console_logging = false\n\n[alerts]\nchannels = ["file"]\n',
    );
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.MBM_REDIS_URL;
    const w = spawnMbm(['watch', '--rpc', node.wsUrl, '--config', cfg, '--log', log, '--redis', redis.url], { env, running: children });
    await waitFor(async () => (await readCheckpoint(`${log}.checkpoint.json`))?.number === 1, { what: `checkpoint at block 1 (${w.stderr()})`, timeoutMs: 30_000 });
    const logLines = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
    const streamLines = async () => (await entries(redis.url, 'mbm:records').catch(() => [])).map((e) => e.record);

    await skipSlots(node, 2);
    await waitFor(async () => logLines().length >= 2 && (await streamLines()).length === logLines().length, { what: `the first records in the log and the stream (${w.stderr()})`, timeoutMs: 20_000 });

    await redis.kill();
    await skipSlots(node, 3);
    await waitFor(() => existsSync(`${log}.redisqueue`) && statSync(`${log}.redisqueue`).size > 0, { what: `records queued on disk (${w.stderr()})`, timeoutMs: 20_000 });
    const queuedBytes = statSync(`${log}.redisqueue`).size;
    const restartedAt = Date.now();
    await redis.start();
    await skipSlots(node, 1);
    await waitFor(async () => JSON.stringify(await streamLines()) === JSON.stringify([...new Set(logLines())]), {
      what: `the stream to catch up with the log (${w.stderr()})`,
      timeoutMs: 30_000,
    });
    t.diagnostic(`outage queue ${queuedBytes} bytes on disk; stream caught up ${Date.now() - restartedAt} ms after Redis came back (reconnect backoff included); ${logLines().length} log lines`);
    const lines = logLines();
    assert.ok(lines.length >= 6, `at least 2 + 3 + 1 missed-slot records: ${lines.length}`);
    assert.match(w.stderr(), /warning: redis: 127\.0\.0\.1:\d+: .*queueing records in .*watch\.jsonl\.redisqueue/);
    // Said after the send that emptied the queue: it can reach our pipe just after the entries reach Redis.
    await waitFor(() => /redis: 127\.0\.0\.1:\d+ reachable again/.test(w.stderr()), { what: `"reachable again" on stderr (${w.stderr()})` });

    // Read back with the CLI: the same lines.
    const tail = await run(['tail', '--from-redis', redis.url, '--json', '--no-follow', '-n', '1000']);
    assert.equal(tail.code, 0, tail.stderr);
    assert.deepEqual(tail.stdout.split('\n').filter(Boolean), [...new Set(lines)]);
    // The streak of missed slots alerted (alert_threshold 2): on mbm:alerts with its labels.
    await waitFor(async () => (await entries(redis.url, 'mbm:alerts')).length >= 1, { what: 'an alert on mbm:alerts', timeoutMs: 20_000 });
    const alerts = await entries(redis.url, 'mbm:alerts');
    assert.equal(alerts[0].kind, 'alert');
    assert.equal(alerts[0].chain_id, '31337');
    const alertsFile = readFileSync(path.join(dir, 'alerts.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string });
    assert.equal(alerts[0].id, alertsFile[0].id, 'the same alert (idempotency key) as the file channel wrote');
    const tailAlerts = await run(['tail', '--from-redis', redis.url, '--alerts', '--json', '--no-follow']);
    assert.equal((JSON.parse(tailAlerts.stdout.split('\n')[0]) as { id: string }).id, alerts[0].id);
    w.child.kill('SIGTERM');
    await w.exited;
  });
});
