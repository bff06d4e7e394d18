// `mbm watch --listen` as a child process on a real anvil: the API answers while the monitor runs,
// a missed slot shows in /metrics, /stats, /report and /export (the batched log is flushed for
// the latter two), and a dead node turns /health to 503 and endpoint_up to 0 with the head kept.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startAnvil, stopAllAnvils } from '../helpers/anvil';
import { get, parseExposition, promtoolCheck, sumOf } from '../helpers/http';
import { latestBlock, mineAt } from '../helpers/service';
import { waitFor } from '../helpers/wait';
import { cliArgs, ROOT } from '../helpers/cli';

const dirs: string[] = [];
const children = new Set<ChildProcess>();
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await stopAllAnvils();
});

describe('mbm watch --listen', () => {
  test('the API over the running monitor, through a fault and a dead node', async () => {
    const node = await startAnvil();
    await mineAt(node, Math.floor(Date.now() / 1000) + 30);
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-watch-api-'));
    dirs.push(dir);
    const log = path.join(dir, 'missed_blocks.jsonl');
    const config = path.join(dir, 'mbm.toml');
    // 1 s slots; the relay's batched logging stays on (60 s batches), so only a flush puts records in the file.
    writeFileSync(config, '[monitoring]\nexpected_block_time = 1\nmax_block_delay = 60\n[logging]\nenable_console_logging = false\n');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let err = '';
    const child = spawn(process.execPath, [...cliArgs(), 'watch', '--rpc', node.url, '--config', config, '--log', log, '--listen', `127.0.0.1:${port}`], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', MBM_API_TOKEN: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.add(child);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const label = `127.0.0.1:${new URL(node.url).port}`;

    const health = await waitFor(async () => ((await get(`${url}/health`).catch(() => undefined))?.status === 200 ? JSON.parse((await get(`${url}/health`)).body) : undefined), {
      timeoutMs: 20_000,
      what: `the API of mbm watch (stderr: ${err})`,
    });
    assert.equal(health.mode, 'live');
    assert.equal(health.endpoints[0].label, label);

    // One slot skipped, once the monitor holds the current head (else there is nothing to compare with).
    const { timestamp, number } = await latestBlock(node);
    await waitFor(async () => JSON.parse((await get(`${url}/stats`)).body).head?.number === number, { what: `the monitor at block ${number}` });
    await mineAt(node, timestamp + 2);
    const metrics = await waitFor(
      async () => {
        const m = parseExposition((await get(`${url}/metrics`)).body);
        return sumOf(m, 'mev_relay_blocks_missed_total') === 1 ? m : undefined;
      },
      { what: 'the missed slot in /metrics', timeoutMs: 10_000 },
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}; stats ${(await get(`${url}/stats`)).body}; stderr ${err}`);
    });
    assert.equal(metrics.get('mev_relay_blocks_missed_total{reason="Unknown"}'), 1);
    assert.equal(metrics.get(`mev_relay_head_block{source="${label}"}`), number + 1);
    const stats = JSON.parse((await get(`${url}/stats`)).body);
    assert.equal(stats.total_missed, 1);
    assert.equal(stats.by_kind.missed_slot, 1);
    const report = JSON.parse((await get(`${url}/report`)).body);
    assert.equal(report.total_missed, 1, 'the report reads the log, flushed first');
    const csv = (await get(`${url}/export`)).body;
    const cliCsv = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [...cliArgs(), 'export', log], { cwd: ROOT }, (e, out) => (e ? reject(e) : resolve(out))),
    );
    assert.equal(csv, cliCsv);
    assert.equal(csv.trim().split('\n').length, 2);
    const { code, output } = await promtoolCheck((await get(`${url}/metrics`)).body);
    assert.equal(code, 0, output);

    // The node dies: 503, endpoint_up 0, the head gauge keeps its value.
    await node.kill('SIGKILL');
    await waitFor(async () => (await get(`${url}/health`)).status === 503, { timeoutMs: 15_000, what: '/health 503 after the node died' });
    const down = parseExposition((await get(`${url}/metrics`)).body);
    assert.equal(down.get(`mev_relay_endpoint_up{source="${label}"}`), 0);
    assert.equal(down.get(`mev_relay_head_block{source="${label}"}`), number + 1);

    child.kill('SIGTERM');
    assert.equal(await exited, 0, err);
    children.delete(child);
    assert.match(err, new RegExp(`HTTP API on ${url.replace(/\./g, '\\.')}`));
  });
});
