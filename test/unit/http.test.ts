// The HTTP API's contract over real log files and a real server on loopback: binding, token,
// 400/404/405, /health, /stats, /report, /metrics.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLogsProvider } from '../../src/node/api/logsProvider';
import type { ApiProvider } from '../../src/node/api/provider';
import { startHttpServer, type RunningHttpServer } from '../../src/node/api/server';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { buildReport } from '../../src/core/report';
import { formatReportText } from '../../src/node/reportText';
import { get, parseExposition, promtoolCheck, sumOf } from '../helpers/http';

function rec(n: number, over: Partial<MissedBlock> = {}): MissedBlock {
  return {
    timestamp: 1_700_000_000 + n * 12,
    block_number: n,
    reason: n % 3 === 0 ? 'Timeout' : 'NetworkLatency',
    severity: n % 2 === 0 ? 'High' : 'Medium',
    expected_timestamp: 1_700_000_000 + n * 12,
    actual_timestamp: 1_700_000_005 + n * 12,
    recovery_attempts: 0,
    recovered: false,
    metadata: {},
    alert_sent: false,
    kind: 'gap',
    ...over,
  };
}

const dir = mkdtempSync(path.join(tmpdir(), 'mbm-http-'));
const log = path.join(dir, 'missed_blocks.jsonl');
// 10..19 missed, 12 rewritten as recovered (a reader keeps the last), one bad line.
const records = Array.from({ length: 10 }, (_, i) => rec(10 + i));
const rewritten = rec(12, { recovered: true, severity: 'Low', recovery_attempts: 1, recovery_ms: 3000 });
writeFileSync(log, `${[...records.map(toLogLine), 'not json', toLogLine(rewritten)].join('\n')}\n`);
const latest = [...records.filter((r) => r.block_number !== 12), rewritten];

let provider: ApiProvider;
let open: RunningHttpServer;
let locked: RunningHttpServer;
const TOKEN = 's3cret-token';
const auth = { authorization: `Bearer ${TOKEN}` };

before(async () => {
  provider = await startLogsProvider({ files: [log] });
  open = await startHttpServer({ port: 0, provider });
  locked = await startHttpServer({ port: 0, provider, token: TOKEN });
});
after(async () => {
  await open.close();
  await locked.close();
  await provider.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('http server', () => {
  test('binds 127.0.0.1 by default', () => {
    const a = open.server.address();
    assert.ok(a && typeof a === 'object');
    assert.equal(a.address, '127.0.0.1');
    assert.equal(open.url, `http://127.0.0.1:${a.port}`);
  });

  test('with a token: 401 without it or with a wrong one, 200 with it', async () => {
    const refused: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }];
    for (const headers of refused) {
      for (const p of ['/health', '/metrics', '/export', '/nope']) {
        const r = await get(`${locked.url}${p}`, { headers });
        assert.equal(r.status, 401, `${p} with ${JSON.stringify(headers)}`);
        assert.equal(r.headers['www-authenticate'], 'Bearer realm="mbm"');
        assert.match(JSON.parse(r.body).error, /token/);
      }
    }
    for (const p of ['/health', '/stats', '/metrics', '/report', '/export']) {
      assert.equal((await get(`${locked.url}${p}`, { headers: auth })).status, 200, p);
    }
    assert.equal((await get(`${locked.url}/health`, { headers: { authorization: `bearer   ${TOKEN}` } })).status, 200, 'scheme is case-insensitive');
  });

  test('unknown paths 404, other methods 405 with Allow', async () => {
    for (const p of ['/', '/nope', '/metrics/x', '/__proto__', '/constructor', '/toString']) {
      const r = await get(`${open.url}${p}`);
      assert.equal(r.status, 404, p);
      assert.match(JSON.parse(r.body).error, /no such endpoint/);
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await get(`${open.url}/stats`, { method });
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'GET, HEAD');
    }
  });

  test('a malformed request target is a 400, not a crash', async () => {
    const head = await new Promise<string>((resolve, reject) => {
      const c = connect(open.port, '127.0.0.1', () => c.end('GET http://[bad HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      let d = '';
      c.on('data', (b: Buffer) => (d += b.toString()));
      c.on('close', () => resolve(d));
      c.on('error', reject);
    });
    assert.match(head, /^HTTP\/1\.1 400 /);
    assert.match(head, /"error": "malformed request target"/);
  });

  test('bad query parameters get 400 with the reason', async () => {
    const cases: [string, RegExp][] = [
      ['/export?severity=hgih', /severity must be one of Low, Medium, High, Critical; got "hgih"/],
      ['/export?reason=Bogus', /reason must be one of/],
      ['/export?format=xml', /format must be one of csv, json/],
      ['/export?from=abc', /from must be a block number/],
      ['/export?from=20&to=10', /from \(20\) is after to \(10\)/],
      ['/export?kind=orphan', /kind must be one of gap, delayed, missed_slot, reorg/],
      ['/export?severty=High', /unknown query parameter "severty"/],
      ['/export?format=csv&format=json', /"format" given more than once/],
      ['/report?format=pdf', /format must be one of json, text/],
      ['/stats?x=1', /takes no query parameters/],
      ['/events?lastEventId=abc', /lastEventId must be an event id/],
    ];
    for (const [p, why] of cases) {
      const r = await get(`${open.url}${p}`);
      assert.equal(r.status, 400, p);
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
      assert.match(JSON.parse(r.body).error, why, p);
    }
  });

  test('/health: 200 with the logs readable, 503 naming the one that is not', async () => {
    const ok = await get(`${open.url}/health`);
    assert.equal(ok.status, 200);
    assert.deepEqual(JSON.parse(ok.body), { status: 'ok', mode: 'logs', files: [{ path: log, readable: true }] });
    const missing = path.join(dir, 'gone.jsonl');
    const p2 = await startLogsProvider({ files: [log, missing] });
    const s2 = await startHttpServer({ port: 0, provider: p2 });
    try {
      const bad = await get(`${s2.url}/health`);
      assert.equal(bad.status, 503);
      assert.deepEqual(JSON.parse(bad.body).files, [{ path: log, readable: true }, { path: missing, readable: false }]);
      const rep = await get(`${s2.url}/report`);
      assert.equal(rep.status, 503);
      assert.match(JSON.parse(rep.body).error, /gone\.jsonl: cannot read: no such file/);
      assert.equal((await get(`${s2.url}/export`)).status, 503);
      assert.equal((await get(`${s2.url}/metrics`)).status, 200, 'metrics stay up');
    } finally {
      await s2.close();
      await p2.close();
    }
  });

  test('/report is the report of the log (last record of each key wins); ?format=text for people', async () => {
    const want = buildReport(latest);
    const r = await get(`${open.url}/report`);
    assert.equal(r.status, 200);
    assert.equal(r.body, `${JSON.stringify(want, null, 2)}\n`, 'the bytes `mbm report --json` prints');
    assert.equal(want.total_missed, 10);
    assert.equal(want.recovered, 1);
    const t = await get(`${open.url}/report?format=text`);
    assert.equal(t.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(t.body, formatReportText(want));
    assert.equal((await get(`${open.url}/report?format=JSON`)).body, r.body);
  });

  test('/stats from the logs agrees with the report', async () => {
    const s = JSON.parse((await get(`${open.url}/stats`)).body);
    const want = buildReport(latest);
    assert.equal(s.mode, 'logs');
    for (const k of ['total_missed', 'recovered', 'recovery_rate', 'current_streak', 'longest_streak', 'by_reason', 'by_severity', 'by_kind'] as const) {
      assert.deepEqual(s[k], want[k], k);
    }
  });

  test('/metrics: Prometheus text, promtool-clean, counting what the log holds once per record', async () => {
    const r = await get(`${open.url}/metrics`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    const m = parseExposition(r.body);
    assert.equal(sumOf(m, 'mev_relay_blocks_missed_total'), 10);
    assert.equal(m.get('mev_relay_blocks_missed_total{reason="Timeout"}'), latest.filter((x) => x.reason === 'Timeout').length);
    assert.equal(m.get('mev_relay_blocks_recovered_total'), 1);
    assert.equal(m.get('mev_relay_missed_block_duration_seconds_bucket{le="5"}'), 1);
    assert.equal(m.get('mev_relay_longest_missed_streak'), 10);
    const { code, output } = await promtoolCheck(r.body);
    assert.equal(code, 0, output);
  });

  test('HEAD answers headers without a body', async () => {
    for (const p of ['/health', '/metrics', '/report', '/export?format=json', '/events']) {
      const r = await get(`${open.url}${p}`, { method: 'HEAD' });
      assert.equal(r.status, 200, p);
      assert.equal(r.body, '', p);
    }
  });

  test('a bind address can be given; the server refuses an empty token', async () => {
    const s = await startHttpServer({ host: '::1', port: 0, provider }).catch(() => undefined);
    if (s) {
      assert.equal(s.host, '::1');
      assert.match(s.url, /^http:\/\/\[::1\]:\d+$/);
      assert.equal((await get(`${s.url}/health`)).status, 200);
      await s.close();
    }
    await assert.rejects(startHttpServer({ port: 0, provider, token: '' }), /must not be empty/);
  });
});
