// `mbm watch` and `mbm demo` as child processes, the way an operator runs them: records on stdout,
// SIGTERM/SIGINT flush the batched log and the checkpoint and exit 0, usage errors exit 2.
// Runs the built dist/cli.js when it is newer than every source file, else the sources via tsx.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCheckpoint } from '../../src/node/checkpoint';
import { freePort, startAnvil, stopAllAnvils } from '../helpers/anvil';
import { latestBlock, mineAt, readLog, removeDir } from '../helpers/service';
import { waitFor } from '../helpers/wait';
import { spawnMbm, type MbmChild } from '../helpers/cli';

const dirs: string[] = [];
const children = new Set<ChildProcess>();
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) removeDir(d);
  await stopAllAnvils();
});


type Cli = MbmChild;

function mbm(args: string[]): Cli {
  return spawnMbm(args, { running: children });
}

async function exitWithin(cli: Cli, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([cli.exited, new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)))]);
  clearTimeout(timer);
  assert.notEqual(code, 'timeout', `mbm did not exit within ${ms} ms\nstdout:\n${cli.stdout()}\nstderr:\n${cli.stderr()}`);
  return code as number | null;
}

const tempDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'mbm-cli-'));
  dirs.push(d);
  return d;
};

describe('mbm watch', () => {
  test('records on stdout, the API on --listen; SIGTERM writes the batched log and the checkpoint, exit 0', async () => {
    const node = await startAnvil();
    await mineAt(node, Math.floor(Date.now() / 1000) + 30);
    const dir = tempDir();
    const config = path.join(dir, 'mbm.toml');
    // The seed's shape; a 60 s batch timeout, so only the shutdown flush can put the record in the file.
    writeFileSync(config, '[monitoring]\nexpected_block_time = 1\nmax_block_delay = 60\n\n[logging]\nlog_file_path = "ignored.jsonl"\nbatch_size = 100\nbatch_timeout = 60\nenable_console_logging = true\n');
    const log = path.join(dir, 'out.jsonl');
    const apiPort = await freePort();
    const cli = mbm(['watch', '--rpc', node.wsUrl, '--config', config, '--log', log, '--listen', `127.0.0.1:${apiPort}`]);
    await waitFor(() => cli.stderr().includes('-- watching'), { what: `watch start (stderr: ${cli.stderr()})` });
    await waitFor(async () => (await readCheckpoint(`${log}.checkpoint.json`))?.number === 1, { what: 'checkpoint at block 1', timeoutMs: 15_000 });
    const t = (await latestBlock(node)).timestamp;
    await mineAt(node, t + 2); // one empty slot
    await waitFor(() => /#2 missed_slot Unknown/.test(cli.stdout()), { what: `the record on stdout (stdout: ${cli.stdout()})` });
    assert.deepEqual(readLog(log), [], 'still in the batch');
    const stats = (await (await fetch(`http://127.0.0.1:${apiPort}/stats`)).json()) as { blocks_processed: number; total_missed: number };
    assert.deepEqual({ processed: stats.blocks_processed, missed: stats.total_missed }, { processed: 2, missed: 1 });
    cli.child.kill('SIGTERM');
    assert.equal(await exitWithin(cli, 10_000), 0, cli.stderr());
    const lines = readLog(log);
    assert.deepEqual(lines.map((r) => `${r.block_number} ${r.kind} ${r.reason} ${r.slot}`), [`2 missed_slot Unknown ${t + 1}`]);
    const cp = await readCheckpoint(`${log}.checkpoint.json`);
    assert.equal(cp?.number, 2);
    assert.equal(cp?.hash, (await latestBlock(node)).hash);
    assert.equal(cli.stdout().trim().split('\n').length, 1, 'stdout holds records only');
    assert.ok(!existsSync(path.join(dir, 'ignored.jsonl')), '--log overrides the config');
  });

  test('an unreachable node is reported and retried, not a crash; SIGINT exits 0', async () => {
    const port = await freePort();
    const dir = tempDir();
    const cli = mbm(['watch', '--rpc', `ws://127.0.0.1:${port}`, '--log', path.join(dir, 'x.jsonl')]);
    await waitFor(() => cli.stderr().includes(`127.0.0.1:${port} is down: connection refused (nothing listening at that host and port) (ConnectionLost); retrying`), { what: `the down notice (stderr: ${cli.stderr()})`, timeoutMs: 15_000 });
    cli.child.kill('SIGINT');
    assert.equal(await exitWithin(cli, 10_000), 0, cli.stderr());
  });

  test('bad usage exits 2 with a one-line reason', async () => {
    for (const args of [['watch', '--rpc', 'nope'], ['watch', '--config', '/nonexistent/mbm.toml'], ['watch', '--listen', 'x:y']]) {
      const cli = mbm(args);
      assert.equal(await exitWithin(cli, 15_000), 2, `${args.join(' ')}: ${cli.stderr()}`);
      assert.equal(cli.stderr().trim().split('\n').length, 1, cli.stderr());
    }
  });
});

async function refused(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(true));
  });
}

describe('mbm demo', () => {
  test('Ctrl-C (SIGINT) after the first record stops the monitor and its anvil, exit 0', async () => {
    const dir = tempDir();
    const cli = mbm(['demo', '--log', path.join(dir, 'demo.jsonl'), '--fault-gap', '2']);
    await waitFor(() => /missed_slot Unknown/.test(cli.stdout()), { what: `a record on stdout (stderr: ${cli.stderr()})`, timeoutMs: 60_000 });
    cli.child.kill('SIGINT');
    assert.equal(await exitWithin(cli, 15_000), 0, cli.stderr());
    const port = Number(/anvil at ws:\/\/127\.0\.0\.1:(\d+)/.exec(cli.stderr())![1]);
    assert.ok(await refused(port), 'anvil still listening after Ctrl-C');
  });

  test('shows real records within seconds, --duration stops it and its anvil, exit 0', async () => {
    const dir = tempDir();
    const log = path.join(dir, 'demo.jsonl');
    const cli = mbm(['demo', '--log', log, '--duration', '12', '--fault-gap', '3']);
    assert.equal(await exitWithin(cli, 40_000), 0, cli.stderr());
    const m = /anvil at ws:\/\/127\.0\.0\.1:(\d+)/.exec(cli.stderr());
    assert.ok(m, cli.stderr());
    const records = readLog(log);
    // Skipped slots at 3 s (2 records on the block the demo names), the reorg at 6 s (depth 2); the
    // pause that starts at 9 s is cut short by --duration before mining resumes. (anvil_reorg stamps
    // its replacement blocks itself: on a loaded machine one of them can land a slot late, a real
    // missed slot the monitor rightly records, so only the named block's records are counted.)
    const skipped = /block (\d+) gets a timestamp 3 slots after/.exec(cli.stderr() + cli.stdout());
    assert.ok(skipped, cli.stderr());
    const slots = records.filter((r) => r.kind === 'missed_slot' && r.metadata.detected_by === 'timestamp_gap' && r.block_number === Number(skipped[1]));
    assert.equal(slots.length, 2, JSON.stringify(records));
    const reorgs = records.filter((r) => r.kind === 'reorg');
    assert.equal(reorgs.length, 2, JSON.stringify(records));
    assert.ok(reorgs.every((r) => r.reorg_depth === 2 && r.reason === 'ChainReorg'));
    assert.match(cli.stdout(), /missed_slot Unknown/);
    assert.match(cli.stdout(), /reorg {7}ChainReorg depth 2/);
    // The demo's anvil is gone with it.
    assert.ok(await refused(Number(m![1])), 'anvil still listening after the demo exited');
  });
});
