// A provider URL's API key stays secret on every surface. The node is a real anvil behind a
// loopback provider gateway (test/helpers/proxy.ts with gatewayPath: only /v3/<key> is served, as
// Infura does), which can also fail (429, resets) so that errors and "down" states are produced.
// `mbm watch` gets the URLs from the environment through the TOML's `[rpc] urls_env`, the
// extension's run gets them as "Set RPC Endpoint…" and `${env:NAME}` settings resolve them; the key
// is then looked for in stdout, stderr, the log, the checkpoint, /metrics, /health, /stats,
// /report, /export, the output channel lines and the tree.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultConfig } from '../../src/core/config';
import { resolveEndpoints } from '../../src/extension/model/endpointChoice';
import { summarize } from '../../src/extension/model/summary';
import { buildTree } from '../../src/extension/model/treeModel';
import { MonitorRun } from '../../src/extension/monitorRun';
import { freePort, startAnvil, stopAllAnvils } from '../helpers/anvil';
import { spawnMbm } from '../helpers/cli';
import { get } from '../helpers/http';
import { startProxy, type RpcProxy } from '../helpers/proxy';
import { latestBlock, mineAt, removeDir } from '../helpers/service';
import { waitFor } from '../helpers/wait';

const KEY = 'SECRETKEY0123456789abcdef';
const children = new Set<ChildProcess>();
const proxies: RpcProxy[] = [];
const dirs: string[] = [];
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(proxies.map((p) => p.close()));
  for (const d of dirs) removeDir(d);
  await stopAllAnvils();
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'mbm-secret-'));
  dirs.push(d);
  return d;
}

/** Every file under dir, as text (log, checkpoint, outbox...). */
function allFiles(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(path.join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

describe('a provider URL’s key is never shown', () => {
  test('mbm watch with [rpc] urls_env: stdout, stderr, files, and every API path, through records and outages', async () => {
    const node = await startAnvil();
    const gw = await startProxy(node.url, { gatewayPath: `/v3/${KEY}` });
    proxies.push(gw);
    const port = gw.port;
    const wrong = await get(`http://127.0.0.1:${port}/v3/WRONG`, { method: 'POST' });
    assert.equal(wrong.status, 401, 'the gateway serves the key’s path only');
    const dir = tempDir();
    const config = path.join(dir, 'mbm.toml');
    writeFileSync(config, '[monitoring]\nexpected_block_time = 1\nmax_block_delay = 60\n[logging]\nbatch_logging = false\n[rpc]\nurls_env = "MBM_TEST_RPC_URLS"\n');
    const api = await freePort();
    const cli = spawnMbm(['watch', '--config', config, '--log', path.join(dir, 'missed_blocks.jsonl'), '--listen', `127.0.0.1:${api}`], {
      running: children,
      env: { ...process.env, NO_COLOR: '1', MBM_TEST_RPC_URLS: `ws://127.0.0.1:${port}/v3/${KEY}, http://127.0.0.1:${port}/v3/${KEY}` },
    });
    const base = `http://127.0.0.1:${api}`;
    await waitFor('block 0 seen', async () => {
      const h = await get(`${base}/health`).catch(() => undefined);
      return h?.status === 200 && (JSON.parse(h.body) as { head: unknown }).head !== null;
    }, { timeoutMs: 20_000 });
    // A record: one empty slot.
    const t = (await latestBlock(node)).timestamp;
    await mineAt(node, t + 2);
    await waitFor('a record on stdout', () => /missed_slot/.test(cli.stdout()), { timeoutMs: 10_000 });
    // An outage: the gateway resets the connections, then answers 429; the monitor reports it down, then up again.
    gw.setMode('reset');
    await waitFor('down', () => cli.stderr().includes('is down'), { timeoutMs: 30_000 });
    gw.setMode('ratelimit');
    await waitFor('429s seen', () => gw.stats.wsConnections >= 3, { timeoutMs: 30_000 });
    // 503 once the alternative missed a head-lag round too (every 5 s).
    const health = await waitFor('health 503', async () => {
      const h = await get(`${base}/health`);
      return h.status === 503 ? h : undefined;
    }, { timeoutMs: 20_000 });
    assert.match(health.body, /"error": "/);
    await mineAt(node, t + 3);
    gw.setMode('pass');
    await waitFor('up again', () => cli.stderr().includes('answering again'), { timeoutMs: 30_000 });
    const surfaces: Record<string, string> = {};
    for (const p of ['/health', '/metrics', '/stats', '/report', '/export', '/export?format=json']) surfaces[p] = (await get(`${base}${p}`)).body;
    assert.match(surfaces['/metrics']!, new RegExp(`mev_relay_head_block\\{source="127\\.0\\.0\\.1:${port}"\\}`), 'labels are host:port');
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited, 0, cli.stderr());
    surfaces.stdout = cli.stdout();
    surfaces.stderr = cli.stderr();
    surfaces.files = allFiles(dir);
    assert.match(surfaces.files, /"source":"127\.0\.0\.1:\d+"/, 'records name the endpoint by host:port');
    for (const [where, text] of Object.entries(surfaces)) {
      assert.ok(!text.includes(KEY) && !text.includes('/v3/'), `the key is not in ${where}`);
    }
  });

  test('a URL that is not a URL: the usage error does not quote it', async () => {
    const cli = spawnMbm(['watch', '--rpc', `mainnet.example.io/v3/${KEY}`], { running: children });
    assert.equal(await cli.exited, 2);
    assert.match(cli.stderr(), /not a URL \(the value is not shown: it may hold an API key\)/);
    assert.ok(!cli.stderr().includes(KEY));
  });

  test('the extension: a SecretStorage endpoint and a ${env:NAME} setting, through a run with an outage — output channel and tree', async () => {
    const node = await startAnvil();
    const gw = await startProxy(node.url, { gatewayPath: `/v3/${KEY}` });
    proxies.push(gw);
    const { urls, problems } = resolveEndpoints({
      secretUrl: `ws://127.0.0.1:${gw.port}/v3/${KEY}`,
      settingsUrls: ['${env:MBM_TEST_HTTP_RPC}'],
      env: { MBM_TEST_HTTP_RPC: `http://127.0.0.1:${gw.port}/v3/${KEY}` },
    });
    assert.deepEqual(problems, []);
    assert.equal(urls.length, 2);
    const dir = tempDir();
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const config = defaultConfig();
    // 1 s slots set as a user would (explicitly): anvil's chain has no preset to take instead.
    Object.assign(config.monitoring, { expectedBlockTimeMs: 1000, expectedBlockTimeExplicit: true, maxBlockDelayMs: 60_000 });
    config.logging.batchLogging = false;
    const logPath = path.join(dir, 'missed_blocks.jsonl');
    const run = await MonitorRun.start({ config, urls, logPath, alerts: false, log, onLive: () => undefined });
    try {
      await waitFor('up', () => run.live.head !== undefined);
      const t = (await latestBlock(node)).timestamp;
      await mineAt(node, t + 2);
      await waitFor('a record line', () => lines.some((l) => l.includes('missed_slot')));
      gw.setMode('reset');
      await waitFor('down', () => run.live.connection === 'down', { timeoutMs: 30_000 });
      gw.setMode('ratelimit');
      await waitFor('429s seen', () => gw.stats.wsConnections >= 3, { timeoutMs: 30_000 });
      const entries: never[] = [];
      const tree = buildTree([{ view: { file: logPath, displayName: 'missed_blocks.jsonl', badLines: 0, live: run.live }, entries, summary: summarize(entries, { alertThreshold: 5 }) }], { alertThreshold: 5, restricted: false });
      const treeText = JSON.stringify(tree);
      assert.match(treeText, /down \(ConnectionLost\): /);
      gw.setMode('pass');
      await waitFor('up again', () => run.live.connection === 'up', { timeoutMs: 30_000 });
      for (const [where, text] of Object.entries({ output: lines.join('\n'), tree: treeText, live: JSON.stringify(run.live) })) {
        assert.ok(!text.includes(KEY) && !text.includes('/v3/'), `the key is not in the ${where}`);
      }
    } finally {
      await run.stop();
    }
    assert.ok(!allFiles(dir).includes(KEY), 'nor in the log or the checkpoint');
  });
});
