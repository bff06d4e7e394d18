// GET /export: byte for byte what `mbm export` prints (the real CLI, run as a child process), and
// 200 parallel exports while the log is being appended to all complete and all parse.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CSV_COLUMNS } from '../../src/node/export/export';
import { startLogsProvider } from '../../src/node/api/logsProvider';
import type { ApiProvider } from '../../src/node/api/provider';
import { startHttpServer, type RunningHttpServer } from '../../src/node/api/server';
import { MISSED_BLOCK_KINDS, MISSED_BLOCK_REASONS, MISSED_BLOCK_SEVERITIES, toLogLine, type MissedBlock } from '../../src/core/model';
import { get } from '../helpers/http';
import { cliArgs, ROOT } from '../helpers/cli';

function mbmExport(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [...cliArgs(), 'export', ...args], { cwd: ROOT, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    ),
  );
}

function rec(n: number, over: Partial<MissedBlock> = {}): MissedBlock {
  return {
    timestamp: 1_700_000_000 + n * 12,
    block_number: n,
    reason: MISSED_BLOCK_REASONS[n % MISSED_BLOCK_REASONS.length],
    severity: MISSED_BLOCK_SEVERITIES[n % 4],
    expected_timestamp: 1_700_000_000 + n * 12,
    actual_timestamp: 1_700_000_003 + n * 12,
    recovery_attempts: n % 3,
    recovered: n % 5 === 0,
    metadata: { note: n % 7 === 0 ? '=HYPERLINK("x")' : 'ok' },
    alert_sent: false,
    kind: MISSED_BLOCK_KINDS[n % 4],
    source: n % 2 ? 'a:8545' : 'b:8545',
    ...(MISSED_BLOCK_KINDS[n % 4] === 'missed_slot' ? { slot: n * 10 } : {}),
    ...over,
  };
}

const lines = (rs: MissedBlock[]) => rs.map((r) => `${toLogLine(r)}\n`).join('');

let dir: string;
let log: string;
let provider: ApiProvider;
let server: RunningHttpServer;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mbm-http-export-'));
  log = path.join(dir, 'missed_blocks.jsonl');
  // A rotated sibling (read first), then the active log with a rewrite, a bad line, unknown fields.
  writeFileSync(path.join(dir, 'missed_blocks.20240101T000000.jsonl.gz'), gzipSync(lines(Array.from({ length: 50 }, (_, i) => rec(i)))));
  writeFileSync(
    log,
    `${lines(Array.from({ length: 300 }, (_, i) => rec(50 + i)))}{"broken":\n${lines([rec(60, { recovered: true, severity: 'Low' }), { ...rec(400), extra: { from_rust: true } }])}`,
  );
  provider = await startLogsProvider({ files: [log] });
  server = await startHttpServer({ port: 0, provider });
});
after(async () => {
  await server.close();
  await provider.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('/export', () => {
  const cases: [string, string[]][] = [
    ['', []],
    ['?format=json', ['--format', 'json']],
    ['?format=CSV&from=60&to=200', ['--format', 'CSV', '--from', '60', '--to', '200']],
    ['?reason=Timeout,Unknown&severity=high', ['--reason', 'Timeout,Unknown', '--severity', 'high']],
    ['?severity=Low&severity=Critical&kind=gap&format=json', ['--severity', 'Low', '--severity', 'Critical', '--kind', 'gap', '--format', 'json']],
    ['?source=a:8545&from=10', ['--source', 'a:8545', '--from', '10']],
    ['?from=100000', ['--from', '100000']],
  ];
  for (const [query, args] of cases) {
    test(`GET /export${query} equals \`mbm export ${args.join(' ')}\` byte for byte`, async () => {
      const [http, cli] = await Promise.all([get(`${server.url}/export${query}`), mbmExport([...args, log])]);
      assert.equal(http.status, 200);
      assert.ok(cli.length > 0);
      assert.equal(http.body, cli);
      assert.equal(http.headers['content-type'], /format=json/i.test(query) ? 'application/json; charset=utf-8' : 'text/csv; charset=utf-8');
      assert.equal(http.headers['transfer-encoding'], 'chunked', 'streamed, not buffered whole');
    });
  }

  test('200 parallel exports while records are being appended: all complete, all parse', async () => {
    let n = 1000;
    // A steady writer, as a monitor is: two records every few milliseconds.
    const writer = setInterval(() => appendFileSync(log, lines([rec(n++), rec(n++)])), 3);
    const header = `${CSV_COLUMNS.join(',')}`;
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => get(`${server.url}/export${i % 2 ? '?format=json' : ''}`, { timeoutMs: 60_000 }).then((r) => ({ i, r }))),
    );
    clearInterval(writer);
    const counts: number[] = [];
    for (const { i, r } of replies) {
      assert.equal(r.status, 200, `request ${i}`);
      if (i % 2) {
        const arr = JSON.parse(r.body) as MissedBlock[];
        assert.ok(arr.every((x) => typeof x.block_number === 'number' && typeof x.recovered === 'boolean'), `request ${i}: records whole`);
        counts.push(arr.length);
      } else {
        assert.ok(r.body.endsWith('\n'));
        const rows = r.body.slice(0, -1).split('\n');
        assert.equal(rows[0], header);
        for (const row of rows.slice(1)) assert.equal(row.split(',').length, CSV_COLUMNS.length, `request ${i}: row ${JSON.stringify(row)}`);
        counts.push(rows.length - 1);
      }
    }
    assert.ok(Math.min(...counts) >= 350, 'every export holds at least what was there before');
    assert.ok(n > 1000, 'records were appended meanwhile');
  });
});
