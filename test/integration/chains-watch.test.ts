// Many chains in one `mbm watch`: two real anvils with different chain ids (1001, 1002), watched
// through one config with two [[chains]] tables whose block times differ (1 s and 2 s). Blocks are
// mined at exact timestamps (1 s apart on alpha, 2 s on beta, chain time ahead of the wall clock)
// with injected gaps on each, so every missed slot is known from the input. Each chain's exact
// records land in its own log with its chain id; /metrics has both `chain` labels in one registry;
// /health lists both chains; /stats and /export answer per chain and for all.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCheckpoint } from '../../src/node/checkpoint';
import { freePort, startAnvil, stopAllAnvils } from '../helpers/anvil';
import { get, parseExposition, promtoolCheck } from '../helpers/http';
import { mineAt, readLog, removeDir } from '../helpers/service';
import { waitFor } from '../helpers/wait';
import { spawnMbm } from '../helpers/cli';

const dirs: string[] = [];
const children = new Set<ChildProcess>();
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) removeDir(d);
  await stopAllAnvils();
});

const line = (r: { block_number: number; kind?: string; reason: string; slot?: number; chain_id?: number }) => `${r.block_number} ${r.kind} ${r.reason} ${r.slot} ${r.chain_id}`;

describe('mbm watch with [[chains]]', () => {
  test('two anvil chains (ids 1001 and 1002, 1 s and 2 s blocks) in one process: own logs, one labelled registry, /health lists both', async () => {
    const [a, b] = await Promise.all([startAnvil({ chainId: 1001 }), startAnvil({ chainId: 1002 })]);
    // Even, so beta's 2 s slots are T/2, T/2 + 1, ...
    const T = 2 * Math.floor(Date.now() / 2000) + 30;
    await Promise.all([mineAt(a, T), mineAt(b, T)]);
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-chains-'));
    dirs.push(dir);
    const config = path.join(dir, 'mbm.toml');
    const betaLog = path.join(dir, 'beta-own.jsonl');
    writeFileSync(
      config,
      [
        '[monitoring]',
        'max_block_delay = 60',
        '[logging]',
        `log_file_path = "${path.join(dir, 'missed_blocks.jsonl')}"`,
        'batch_logging = false',
        'enable_console_logging = true',
        '',
        '[[chains]]',
        'name = "alpha"',
        `rpc = { urls = ["${a.wsUrl}"], chain_id = 1001 }`,
        'expected_block_time = 1',
        '',
        '[[chains]]',
        'name = "beta"',
        `rpc = { urls = ["${b.url}"], chain_id = 1002 }`,
        'expected_block_time = 2',
        `log_file = "${betaLog}"`,
        '',
      ].join('\n'),
    );
    const alphaLog = path.join(dir, 'missed_blocks.alpha.jsonl');
    const port = await freePort();
    const api = `http://127.0.0.1:${port}`;
    const cli = spawnMbm(['watch', '--config', config, '--listen', `127.0.0.1:${port}`], { running: children, env: { ...process.env, NO_COLOR: '1', MBM_API_TOKEN: '' } });
    await waitFor(async () => (await readCheckpoint(`${alphaLog}.checkpoint.json`))?.number === 1 && (await readCheckpoint(`${betaLog}.checkpoint.json`))?.number === 1, {
      what: `both chains at block 1 (stderr: ${cli.stderr()})`,
      timeoutMs: 20_000,
    });

    // One block at a time, each seen before the next: beta is polled over HTTP, and a poll that
    // skipped a head would (rightly) log a gap and recover it.
    const mineSeen = async (node: typeof a, log: string, ts: number) => {
      const n = await mineAt(node, ts);
      await waitFor(async () => (await readCheckpoint(`${log}.checkpoint.json`))?.number === n, { what: `${path.basename(log)} at #${n} (stderr: ${cli.stderr()})`, timeoutMs: 20_000 });
    };
    // alpha (1 s slots, numbered by timestamp): #2 at T+3 leaves slots T+1 and T+2 empty; #3 at T+4 is on time.
    await mineSeen(a, alphaLog, T + 3);
    await mineSeen(a, alphaLog, T + 4);
    // beta (2 s slots, slot = timestamp / 2): #2 at T+4 leaves slot (T+2)/2 empty; #3 at T+6 on time; #4 at T+10 leaves (T+8)/2.
    await mineSeen(b, betaLog, T + 4);
    await mineSeen(b, betaLog, T + 6);
    await mineSeen(b, betaLog, T + 10);

    assert.deepEqual(readLog(alphaLog).map(line), [`2 missed_slot Unknown ${T + 1} 1001`, `2 missed_slot Unknown ${T + 2} 1001`]);
    assert.deepEqual(readLog(betaLog).map(line), [`2 missed_slot Unknown ${(T + 2) / 2} 1002`, `4 missed_slot Unknown ${(T + 8) / 2} 1002`]);
    assert.match(cli.stdout(), /^\[alpha\] .*#2 missed_slot Unknown/m, 'console lines say their chain');
    assert.match(cli.stdout(), /^\[beta\] .*#4 missed_slot Unknown/m);

    // One registry, both chains labelled; promtool accepts it.
    const metrics = await get(`${api}/metrics`);
    assert.equal(metrics.status, 200);
    const m = parseExposition(metrics.body);
    assert.equal(m.get('mev_relay_blocks_missed_total{chain="alpha",reason="Unknown"}') ?? m.get('mev_relay_blocks_missed_total{reason="Unknown",chain="alpha"}'), 2, metrics.body);
    assert.equal(m.get('mev_relay_blocks_missed_total{chain="beta",reason="Unknown"}') ?? m.get('mev_relay_blocks_missed_total{reason="Unknown",chain="beta"}'), 2, metrics.body);
    assert.equal(m.get('mev_relay_blocks_processed_total{chain="alpha"}'), 3);
    assert.equal(m.get('mev_relay_blocks_processed_total{chain="beta"}'), 4);
    assert.equal((metrics.body.match(/^# TYPE mev_relay_blocks_missed_total /gm) ?? []).length, 1, 'one registry: each metric declared once');
    const chainsSeen = new Set([...m.keys()].flatMap((k) => [...k.matchAll(/chain="([^"]*)"/g)].map((x) => x[1])));
    assert.deepEqual([...chainsSeen].sort(), ['alpha', 'beta']);
    const check = await promtoolCheck(metrics.body);
    assert.equal(check.code, 0, check.output);

    // /health lists each chain with its own block time and chain id.
    const health = await get(`${api}/health`);
    assert.equal(health.status, 200, health.body);
    const h = JSON.parse(health.body) as { status: string; chains: { name: string; status: string; head: { number: number } | null; block_time: { ms: number; source: string } }[] };
    assert.equal(h.status, 'ok');
    assert.deepEqual(
      h.chains.map((c) => [c.name, c.status, c.head?.number, c.block_time.ms, c.block_time.source]),
      [
        ['alpha', 'ok', 3, 1000, 'config'],
        ['beta', 'ok', 4, 2000, 'config'],
      ],
    );

    // /stats per chain and for all; a chain the config does not name is a 400.
    const beta = JSON.parse((await get(`${api}/stats?chain=beta`)).body) as { total_missed: number; blocks_processed: number };
    assert.deepEqual([beta.total_missed, beta.blocks_processed], [2, 4]);
    const all = JSON.parse((await get(`${api}/stats`)).body) as { chains: Record<string, { total_missed: number }> };
    assert.deepEqual(Object.fromEntries(Object.entries(all.chains).map(([k, v]) => [k, v.total_missed])), { alpha: 2, beta: 2 });
    const bad = await get(`${api}/stats?chain=gamma`);
    assert.equal(bad.status, 400);
    assert.match(bad.body, /chain must be one of alpha, beta/);

    // /report likewise; its text has one section per chain.
    const reports = JSON.parse((await get(`${api}/report`)).body) as { chains: Record<string, { total_missed: number; by_kind: Record<string, number> }> };
    assert.deepEqual(Object.keys(reports.chains), ['alpha', 'beta']);
    assert.deepEqual([reports.chains.alpha!.total_missed, reports.chains.beta!.by_kind.missed_slot], [2, 2]);
    const text = (await get(`${api}/report?format=text`)).body;
    assert.match(text, /^== alpha ==\n[\s\S]*\n== beta ==\n/);
    const one = JSON.parse((await get(`${api}/report?chain=beta`)).body) as { total_missed: number };
    assert.equal(one.total_missed, 2);

    // /export of every chain, one log after the other, each collapsed on its own.
    const exported = JSON.parse((await get(`${api}/export?format=json`)).body) as Parameters<typeof line>[0][];
    assert.deepEqual(exported.map(line), [`2 missed_slot Unknown ${T + 1} 1001`, `2 missed_slot Unknown ${T + 2} 1001`, `2 missed_slot Unknown ${(T + 2) / 2} 1002`, `4 missed_slot Unknown ${(T + 8) / 2} 1002`]);
    const onlyAlpha = JSON.parse((await get(`${api}/export?format=json&chain=alpha`)).body) as unknown[];
    assert.equal(onlyAlpha.length, 2);

    // A chain whose node dies: /health names it and turns 503 (degraded), the other stays ok.
    await b.stop();
    await waitFor(
      async () => {
        const r = await get(`${api}/health`);
        const body = JSON.parse(r.body) as { status: string; chains: { name: string; status: string }[] };
        return r.status === 503 && body.status === 'degraded' && body.chains.find((c) => c.name === 'beta')?.status === 'down' && body.chains.find((c) => c.name === 'alpha')?.status === 'ok';
      },
      { what: 'beta down in /health', timeoutMs: 20_000 },
    );
    // alpha goes on meanwhile: #4 at T+6 leaves slot T+5, in alpha's log only.
    await mineSeen(a, alphaLog, T + 6);
    assert.deepEqual(readLog(alphaLog).map(line).slice(2), [`4 missed_slot Unknown ${T + 5} 1001`]);
    assert.equal(readLog(betaLog).length, 2);
    assert.match(cli.stderr(), /^\[beta\] -- .* is down: /m, 'the down notice names its chain');

    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited, 0, cli.stderr());
  });

  test('two tables whose nodes are on one chain: a warning, once, naming the other table', async () => {
    const node = await startAnvil({ chainId: 1003 });
    const t = Math.floor(Date.now() / 1000) + 30;
    await mineAt(node, t);
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-chains-same-'));
    dirs.push(dir);
    const config = path.join(dir, 'mbm.toml');
    writeFileSync(
      config,
      `[logging]\nlog_file_path = "${path.join(dir, 'missed_blocks.jsonl')}"\nbatch_logging = false\n[[chains]]\nname = "one"\nrpc = { urls = ["${node.wsUrl}"] }\nexpected_block_time = 1\n[[chains]]\nname = "two"\nrpc = { urls = ["${node.url}"] }\nexpected_block_time = 1\n`,
    );
    const cli = spawnMbm(['watch', '--config', config], { running: children });
    const said = /^\[(one|two)\] -- warning: chain id 1003 is also (one|two)'s: two \[\[chains\]\] tables watch one chain/m;
    await waitFor(() => said.test(cli.stderr()), { what: `the warning (stderr: ${cli.stderr()})`, timeoutMs: 15_000 });
    const [, who, other] = said.exec(cli.stderr())!;
    assert.notEqual(who, other);
    // Both go on; a few more ticks say nothing more.
    await mineAt(node, t + 1);
    await waitFor(async () => (await readCheckpoint(path.join(dir, 'missed_blocks.two.jsonl.checkpoint.json')))?.number === 2, { what: 'two at #2', timeoutMs: 15_000 });
    assert.equal(cli.stderr().split('chain id 1003 is also').length - 1, 1, cli.stderr());
    cli.child.kill('SIGTERM');
    assert.equal(await cli.exited, 0, cli.stderr());
  });

  test('a bad [[chains]] table exits 2 naming the key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-chains-bad-'));
    dirs.push(dir);
    const config = path.join(dir, 'bad.toml');
    writeFileSync(config, '[[chains]]\nname = "a"\nrpc = { urls = ["http://127.0.0.1:1"] }\n[[chains]]\nname = "b"\nrpc = { urls = ["http://127.0.0.1:2"] }\nalert_threshold = 0\n');
    const cli = spawnMbm(['watch', '--config', config], { running: children });
    assert.equal(await cli.exited, 2, cli.stderr());
    assert.match(cli.stderr(), /chains\[1\]\.alert_threshold = 0: expected a whole number ≥ 1/);
    const good = path.join(dir, 'good.toml');
    writeFileSync(good, '[[chains]]\nname = "a"\nrpc = { urls = ["http://127.0.0.1:1"] }\n');
    const both = spawnMbm(['watch', '--config', good, '--rpc', 'http://127.0.0.1:3'], { running: children });
    assert.equal(await both.exited, 2, both.stderr());
    assert.match(both.stderr(), /--rpc: the config has \[\[chains\]\]; give each chain its rpc in its own \[\[chains\]\] table/);
  });
});
