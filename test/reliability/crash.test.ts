// Crash: 20 rounds of kill -9 on a real `mbm watch` child at seeded random moments while anvil
// mines a block a second with injected empty slots (timestamp jumps and mining pauses); a restart
// after each. Rounds alternate between an unbatched log and the default batched one (batch_timeout
// 60 s, so a kill nearly always finds records still in memory). Afterwards, and after a final
// clean run that catches up to the head:
//   - every line of the log parses (parseLogLine, and `mbm validate` exits 0), the file ends on a
//     line boundary; a fragment in `<log>.torn` is the designed repair of a torn tail (reported);
//   - every missed slot the chain's own timestamps imply is in the log, nothing else is, and each
//     is written exactly once (raw lines, not only after the reader's last-wins collapse);
//   - the checkpoint never moved backwards (read after every round, and while each round ran).
// Seeded: MBM_SEED=<n> replays the same kill schedule and injected faults.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { abortableSleep } from '../../src/node/sleep';
import { startAnvil, stopAllAnvils } from '../helpers/anvil';
import { cliArgs, ROOT } from '../helpers/cli';
import { latestBlock, mineAt, removeDir, startService, type Running } from '../helpers/service';
import { writeCheckpointFile } from '../../src/node/checkpoint';
import { waitFor } from '../helpers/wait';
import {
  bounded,
  chainBlocks,
  checkpointOf,
  exitWithin,
  impliedMissedSlots,
  kill9,
  killAllChildren,
  prng,
  rawDuplicates,
  readStrict,
  seedFor,
  spawnMbm,
  watchToml,
} from './helpers/rel-watch';

const ROUNDS = Number(process.env.MBM_CRASH_ROUNDS ?? 20);
const dirs: string[] = [];
const runs: Running[] = [];
after(async () => {
  killAllChildren();
  for (const r of runs) await bounded('stop monitor', () => r.stop());
  await bounded('stop anvils', () => stopAllAnvils());
  for (const d of dirs) removeDir(d);
});

test(`${ROUNDS} rounds of kill -9 on mbm watch under 1 s blocks: no torn line, every implied missed slot exactly once, checkpoint never backwards`, { timeout: 300_000 }, async () => {
  const seed = seedFor('crash');
  const rnd = prng(seed);
  const rndFault = prng(seed ^ 0x5eed);
  const node = await startAnvil(); // automine: only genesis until mining is switched on below
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-crash-'));
  dirs.push(dir);
  const log = path.join(dir, 'missed_blocks.jsonl');
  const cpFile = `${log}.checkpoint.json`;
  const configs = { unbatched: path.join(dir, 'unbatched.toml'), batched: path.join(dir, 'batched.toml') };
  writeFileSync(configs.unbatched, watchToml({ batch: false }));
  writeFileSync(configs.batched, watchToml({ batch: true, batchTimeout: 60 }));
  const watch = (config: string) => spawnMbm(['watch', '--rpc', node.wsUrl, '--config', config, '--log', log]);

  let cpMax = -1;
  const cpSeen: number[] = [];
  const noteCheckpoint = async (when: string) => {
    const cp = await checkpointOf(cpFile);
    if (!cp) return;
    assert.ok(cp.number >= cpMax, `checkpoint went backwards ${when}: ${cp.number} < ${cpMax}`);
    cpMax = cp.number;
  };

  // Faults the chain itself carries: empty slots by timestamp jumps, and mining pauses.
  const stopFaults = new AbortController();
  const faults = { jumps: 0, pauses: 0 };
  let faultLoop: Promise<void> = Promise.resolve();
  const startFaults = () => {
    faultLoop = (async () => {
      const signal = stopFaults.signal;
      while (!signal.aborted) {
        await abortableSleep(700 + rndFault() * 2_500, signal); // pacing of the load, not a wait for an event
        if (signal.aborted) break;
        if (rndFault() < 0.65) {
          const b = await node.rpc<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
          const ok = await node.setNextTimestamp(Number(b.timestamp) + 2 + Math.floor(rndFault() * 3)).then(() => true, () => false);
          if (ok) faults.jumps++;
        } else {
          await node.setIntervalMining(0);
          await abortableSleep(1_200 + rndFault() * 1_800, signal);
          await node.setIntervalMining(1);
          faults.pauses++;
        }
      }
    })();
  };

  const kinds = { early: 0, progress: 0 };
  const t0 = Date.now();
  for (let round = 1; round <= ROUNDS; round++) {
    const mode = round % 2 === 0 ? 'batched' : 'unbatched';
    const c = watch(configs[mode]);
    const cpBefore = (await checkpointOf(cpFile))?.number ?? -1;
    const what = (s: string) => `${s} (round ${round}, ${mode}; stderr: ${c.stderr().slice(-1500)})`;
    if (round === 1) {
      // The first run starts at genesis (block 0): the whole chain is then the monitor's to judge.
      await waitFor(async () => (await checkpointOf(cpFile))?.number === 0, { timeoutMs: 30_000, what: what('first checkpoint at block 0') });
      await node.setIntervalMining(1);
      startFaults();
    }
    let delayMs: number;
    if (round > 1 && rnd() < 0.25) {
      // Early: while it opens the log, reads the checkpoint, backfills.
      await waitFor(() => c.stderr().includes('-- watching'), { timeoutMs: 30_000, what: what('the watching notice') });
      delayMs = rnd() * 800;
      kinds.early++;
    } else {
      const lines0 = c.recordLines();
      await waitFor(
        async () => {
          const cp = await checkpointOf(cpFile);
          if (cp) {
            assert.ok(cp.number >= cpMax, `checkpoint went backwards during round ${round}: ${cp.number} < ${cpMax}`);
            cpMax = Math.max(cpMax, cp.number);
          }
          const advanced = cp !== undefined && cp.number > cpBefore;
          // Unbatched: the checkpoint follows the log within a second, so wait for it to move (the
          // kill then lands between log appends and checkpoint writes). Batched: the checkpoint waits
          // for the 60 s batch, so a record printed (held in memory) or the resume finishing will do.
          return mode === 'unbatched' ? advanced : advanced || c.recordLines() > lines0 || c.stderr().includes('backfill done');
        },
        { timeoutMs: 30_000, intervalMs: 20, what: what(mode === 'unbatched' ? 'a checkpoint advance' : 'progress (a record, or backfill done)') },
      );
      delayMs = rnd() * 1_500;
      kinds.progress++;
    }
    await abortableSleep(delayMs); // the random moment of the kill
    assert.ok(c.running(), what('mbm exited on its own'));
    await kill9(c);
    await noteCheckpoint(`after round ${round}`);
    cpSeen.push(cpMax);
  }
  const roundsMs = Date.now() - t0;

  // Stop the faults and the chain, then a clean run catches up to the head and exits on SIGTERM.
  stopFaults.abort();
  await faultLoop;
  await node.setIntervalMining(0);
  const head = await node.blockNumber();
  const final = watch(configs.unbatched);
  // Resumed (so its signal handlers are in place and it has read the chain), then caught up.
  await waitFor(() => final.stderr().includes('backfill done'), { timeoutMs: 60_000, what: `final run: backfill done (stderr: ${final.stderr().slice(-1500)})` });
  await waitFor(async () => (await checkpointOf(cpFile))?.number === head, {
    timeoutMs: 60_000,
    what: `final run: checkpoint at head ${head} (stderr: ${final.stderr().slice(-1500)})`,
  });
  final.child.kill('SIGTERM');
  const exit = await exitWithin(final, 15_000);
  assert.equal(exit.code, 0, final.stderr());
  await noteCheckpoint('after the final run');
  assert.equal(cpMax, head);

  // The log, line by line.
  const strict = readStrict(log);
  assert.deepEqual(strict.invalid, [], 'every line parses');
  assert.ok(strict.endsClean, 'the log ends on a line boundary');
  const torn = existsSync(`${log}.torn`) ? readFileSync(`${log}.torn`, 'utf8').split('\n').filter(Boolean) : [];
  const validate = spawnSync(process.execPath, [...cliArgs(), 'validate', log], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  assert.equal(validate.status, 0, `mbm validate: ${validate.stdout}${validate.stderr}`);

  // What the chain implies, against what the log holds.
  const blocks = await chainBlocks(node, 0, head);
  const expected = impliedMissedSlots(blocks, 1);
  const slots = [...strict.latest.values()].filter((r) => r.kind === 'missed_slot');
  const others = [...strict.latest.values()].filter((r) => r.kind !== 'missed_slot');
  const got = new Set(slots.map((r) => `${r.block_number}:missed_slot:${r.slot}`));
  const missing = [...expected.keys()].filter((k) => !got.has(k));
  const extra = [...got].filter((k) => !expected.has(k));
  const dups = rawDuplicates(strict);
  console.log(
    `# crash: ${ROUNDS} rounds in ${Math.round(roundsMs / 1000)} s (${kinds.early} killed early, ${kinds.progress} after progress), ` +
      `faults ${faults.jumps} timestamp jumps + ${faults.pauses} mining pauses, head ${head}, ` +
      `implied missed slots ${expected.size}, log lines ${strict.lines.length}, records ${strict.latest.size}, ` +
      `missing ${missing.length}, extra ${extra.length}, raw duplicate keys ${dups.length}, torn fragments ${torn.length}, ` +
      `checkpoint after each round ${cpSeen.join(',')}`,
  );
  assert.ok(expected.size >= 10, `the faults made too few empty slots to judge (${expected.size})`);
  assert.deepEqual(missing, [], 'every missed slot the chain implies is in the log');
  assert.deepEqual(extra, [], 'no missed slot the chain does not imply');
  assert.deepEqual(others.map((r) => `${r.block_number} ${r.kind} ${r.reason}`), [], 'the node never failed: no gap, delay or reorg records');
  assert.deepEqual(dups, [], 'each record written once (raw lines)');
  for (const r of slots) assert.equal(r.reason, 'Unknown');
  // A torn tail moved aside by open() must not be a record the log lacks.
  for (const frag of torn) assert.ok(!strict.lines.includes(frag), `torn fragment also in the log: ${frag.slice(0, 120)}`);
});

// The mechanism the rounds above rely on, shown deterministically: the checkpoint on disk lags the
// log (a kill -9 before its throttled write), so the restart backfills blocks whose records are
// already in the log. It detects them again — and writes none of them a second time.
test('a restart whose checkpoint lags the log detects the same records again and does not write them twice', async () => {
  const node = await startAnvil();
  const t0 = Math.floor(Date.now() / 1000) + 60;
  await mineAt(node, t0); // 1
  const b1 = await latestBlock(node);
  const first = await startService({ urls: [node.wsUrl] });
  runs.push(first);
  dirs.push(first.dir);
  await first.head(1);
  await mineAt(node, t0 + 3); // 2: two empty slots
  await mineAt(node, t0 + 4); // 3
  await first.head(3);
  await first.stop();
  assert.equal(readStrict(first.logPath).lines.length, 2);
  await writeCheckpointFile(`${first.logPath}.checkpoint.json`, { number: 1, hash: b1.hash, timestamp: b1.timestamp, chain_id: 31337 });
  const second = await startService({ urls: [node.wsUrl], dir: first.dir });
  runs.push(second);
  await second.svc.resumed();
  await second.head(3);
  await second.svc.flush();
  assert.deepEqual(
    second.events.map((e) => `${e.r.block_number}/${e.r.slot} ${e.change}`),
    [`2/${t0 + 1} new`, `2/${t0 + 2} new`],
    'detected again by the backfill',
  );
  const log = readStrict(first.logPath);
  assert.deepEqual(rawDuplicates(log), []);
  assert.equal(log.lines.length, 2, 'and not written again');
});
