// "Current streak" is the same number in every view: the live monitor, `mbm report`, `mbm serve`
// (/report and /metrics) and the extension tree (after Stop too). A streak of 6 missed slots on one
// block of a real anvil is current while the head is that block or the next, and over once the
// chain moves past it — offline views learn the head from the log's checkpoint.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { loggedHead, readCheckpoint } from '../../src/node/checkpoint';
import { buildTree } from '../../src/extension/model/treeModel';
import { summarize } from '../../src/extension/model/summary';
import { freePort, startAnvil, stopAllAnvils } from '../helpers/anvil';
import { spawnMbm } from '../helpers/cli';
import { entriesOf } from '../helpers/extensionRecords';
import { get, parseExposition } from '../helpers/http';
import { latestBlock, mineAt, readLog, removeDir, startService, type Running } from '../helpers/service';
import { waitFor } from '../helpers/wait';

const children = new Set<ChildProcess>();
const runs: Running[] = [];
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(runs.map((r) => r.stop()));
  for (const r of runs) removeDir(r.dir);
  await stopAllAnvils();
});

async function reportCurrent(log: string): Promise<{ current: number; longest: number }> {
  const cli = spawnMbm(['report', '--json', log], { running: children });
  assert.equal(await cli.exited, 0, cli.stderr());
  const r = JSON.parse(cli.stdout()) as { current_streak: number; longest_streak: number };
  return { current: r.current_streak, longest: r.longest_streak };
}

async function serveCurrent(log: string): Promise<{ report: number; metric: number | undefined }> {
  const port = await freePort();
  const cli = spawnMbm(['serve', '--listen', `127.0.0.1:${port}`, log], { running: children });
  try {
    await waitFor('serve listening', async () => (await get(`http://127.0.0.1:${port}/health`).catch(() => ({ status: 0 }))).status === 200, { timeoutMs: 20_000 });
    const report = JSON.parse((await get(`http://127.0.0.1:${port}/report`)).body) as { current_streak: number };
    const metric = parseExposition((await get(`http://127.0.0.1:${port}/metrics`)).body).get('mev_relay_current_missed_streak');
    return { report: report.current_streak, metric };
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exited;
  }
}

/** What the extension's tree shows for this log with no run in the window (the head from the checkpoint). */
async function treeCurrent(log: string): Promise<string | undefined> {
  const entries = entriesOf(log, readLog(log));
  const summary = summarize(entries, { alertThreshold: 5, headBlock: await loggedHead([log]) });
  const status = buildTree([{ view: { file: log, displayName: 'missed_blocks.jsonl', badLines: 0 }, entries, summary }], { alertThreshold: 5, restricted: false })[0]!;
  return status.children!.find((n) => n.label === 'Current streak')?.description;
}

describe('current streak: every view agrees with the live monitor', () => {
  test('current while the head is on or next to the streak, 0 once the chain moved past it — live, report, serve, tree', async () => {
    const node = await startAnvil();
    const run = await startService({ urls: [node.wsUrl] });
    runs.push(run);
    await run.head(0);
    const t = (await latestBlock(node)).timestamp;
    await mineAt(node, t + 7); // block 1, seven slots late: 6 missed_slot records on #1
    await run.until('6 missed slots', (rs) => rs.filter((r) => r.kind === 'missed_slot').length === 6);
    await mineAt(node, t + 8); // block 2: the chain is next to the streak, it is still current
    await run.head(2);
    await waitFor('checkpoint at 2', async () => (await readCheckpoint(`${run.logPath}.checkpoint.json`))?.number === 2);
    assert.equal(run.svc.getStats().current_streak, 6, 'live');
    assert.deepEqual(await reportCurrent(run.logPath), { current: 6, longest: 6 });
    assert.equal(await treeCurrent(run.logPath), '6');

    await mineAt(node, t + 9); // block 3: the chain moved past the streak
    await run.head(3);
    await waitFor('checkpoint at 3', async () => (await readCheckpoint(`${run.logPath}.checkpoint.json`))?.number === 3);
    assert.equal(run.svc.getStats().current_streak, 0, 'live');
    assert.deepEqual(await reportCurrent(run.logPath), { current: 0, longest: 6 });

    // Stopped: nothing follows the chain any more; every offline view says what the monitor said last.
    await run.stop();
    assert.deepEqual(await reportCurrent(run.logPath), { current: 0, longest: 6 });
    assert.deepEqual(await serveCurrent(run.logPath), { report: 0, metric: 0 });
    assert.equal(await treeCurrent(run.logPath), '0');
  });
});
