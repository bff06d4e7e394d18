// `mbm serve` as a child process, the way an operator runs it: the API over a log another process
// appends to, the token from MBM_API_TOKEN, a clean exit on SIGTERM, exit 2 on bad usage.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/node/chain/anvil';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { get, parseExposition, promtoolCheck, sse, sumOf, type SseClient } from '../helpers/http';
import { waitFor } from '../helpers/wait';
import { cliArgs, ROOT } from '../helpers/cli';

const dirs: string[] = [];
const children = new Set<ChildProcess>();
const clients: SseClient[] = [];
after(() => {
  for (const c of clients) c.close();
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function mbm(args: string[], env: Record<string, string> = {}) {
  let err = '';
  const child = spawn(process.execPath, [...cliArgs(), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.stdout!.resume();
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return { child, exited, stderr: () => err };
}

function mbmOutput(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [...cliArgs(), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } }, (e, stdout) => (e ? reject(e) : resolve(stdout))),
  );
}

function rec(n: number, over: Partial<MissedBlock> = {}): MissedBlock {
  return {
    timestamp: 1_700_000_000 + n * 12,
    block_number: n,
    reason: n % 2 ? 'ConnectionLost' : 'Timeout',
    severity: 'Medium',
    expected_timestamp: 1_700_000_000 + n * 12,
    actual_timestamp: 1_700_000_007 + n * 12,
    recovery_attempts: 0,
    recovered: false,
    metadata: {},
    alert_sent: false,
    kind: 'gap',
    ...over,
  };
}

describe('mbm serve', () => {
  test('serves a log another process appends to; token from MBM_API_TOKEN; SIGTERM exits 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-serve-'));
    dirs.push(dir);
    const log = path.join(dir, 'missed_blocks.jsonl');
    writeFileSync(log, [1, 2, 3].map((n) => `${toLogLine(rec(n))}\n`).join(''));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const auth = { authorization: 'Bearer tok-123' };
    const cli = mbm(['serve', '--listen', `127.0.0.1:${port}`, log], { MBM_API_TOKEN: 'tok-123' });
    await waitFor(() => get(`${url}/health`, { headers: auth }).then((r) => r.status === 200), { timeoutMs: 20_000, what: `mbm serve on ${url} (stderr: ${cli.stderr()})` });
    assert.equal((await get(`${url}/health`)).status, 401);

    const events = sse(`${url}/events`, auth);
    clients.push(events);
    assert.equal(await events.status, 200);
    appendFileSync(log, `${toLogLine(rec(4))}\n${toLogLine(rec(2, { recovered: true, severity: 'Low', recovery_ms: 6_000 }))}\n`);
    await events.next((e) => e.event === 'recovered', 2_000);
    assert.deepEqual(events.events.map((e) => `${e.event} ${JSON.parse(e.data).block_number}`), ['record 4', 'recovered 2']);

    const m = parseExposition((await get(`${url}/metrics`, { headers: auth })).body);
    assert.equal(sumOf(m, 'mev_relay_blocks_missed_total'), 4);
    assert.equal(m.get('mev_relay_blocks_recovered_total'), 1);
    assert.equal(m.get('mev_relay_current_missed_streak'), 4);
    const { code, output } = await promtoolCheck((await get(`${url}/metrics`, { headers: auth })).body);
    assert.equal(code, 0, output);
    const report = JSON.parse((await get(`${url}/report`, { headers: auth })).body);
    assert.equal(report.total_missed, 4);
    assert.equal(report.recovered, 1);
    for (const [q, args] of [['', []], ['?format=json&reason=Timeout', ['--format', 'json', '--reason', 'Timeout']]] as const) {
      assert.equal((await get(`${url}/export${q}`, { headers: auth })).body, await mbmOutput(['export', ...args, log]), `export ${q}`);
    }

    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited, 0, cli.stderr());
    assert.match(cli.stderr(), /bearer token required/);
    assert.doesNotMatch(cli.stderr(), /tok-123/, 'the token is never printed');
  });

  test('bad usage exits 2 with a one-line reason', async () => {
    for (const [args, why] of [
      [['serve', '--listen', 'nope'], /--listen must be HOST:PORT or PORT/],
      [['serve', '--token', ' '], /--token must not be empty/],
      [['serve', '--metrics-prefix', 'a-b'], /--metrics-prefix must match/],
    ] as const) {
      const cli = mbm([...args]);
      assert.equal(await cli.exited, 2, args.join(' '));
      assert.match(cli.stderr(), why);
    }
  });
});
