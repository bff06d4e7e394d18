// Disk trouble under a running monitor, for real. Root ignores permission bits, so chmod 0555 would
// prove nothing here: the log directory is a tmpfs mounted for the test, remounted read-only
// (EROFS, which binds root too) and then read-write again; the full disk is a 64 KiB tmpfs filled
// to the last byte and then emptied. When mount is not permitted, read-only falls back to
// `chattr +i` (also binding on root) and the full-disk test is skipped with the reason.
// Expected each time: the monitor reports the error (a 'warning', which `mbm watch` prints on
// stderr), keeps the records in memory within its bound (writer maxQueued), writes them once the
// disk takes them — every record once, none lost, no torn line — and its checkpoint does not pass
// records that are only in memory. Beyond the bound the oldest records are dropped, and reported.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readCheckpoint } from '../../src/node/checkpoint';
import { startAnvil, stopAllAnvils, type Anvil } from '../helpers/anvil';
import { guardProcess } from '../helpers/guard';
import { latestBlock, mineAt, mineSteady, startService, type Running } from '../helpers/service';
import { waitFor } from '../helpers/wait';
import { bounded, exitWithin, killAllChildren, rawDuplicates, readStrict, spawnMbm, watchToml } from './helpers/rel-watch';

guardProcess();
const runs: Running[] = [];
const mounts: string[] = [];
const immutable: string[] = [];
const dirs: string[] = [];
after(async () => {
  killAllChildren();
  for (const m of mounts) spawnSync('mount', ['-o', 'remount,rw', m]);
  for (const p of immutable) spawnSync('chattr', ['-i', p]);
  for (const r of runs) await bounded('stop monitor', () => r.stop());
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  await bounded('stop anvils', () => stopAllAnvils());
  for (const d of dirs) await bounded(`remove ${d}`, () => rmSync(d, { recursive: true, force: true }));
});

function sh(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** A fresh tmpfs of `size`, or undefined (and why) when mounting is not permitted here. */
function tmpfs(size: string): { dir: string } | { why: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-disk-'));
  dirs.push(dir);
  if (process.env.MBM_DISK_NO_MOUNT) return { why: 'mount disabled by MBM_DISK_NO_MOUNT' };
  const r = sh('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  if (!r.ok) return { why: `mount -t tmpfs not permitted: ${r.out.trim()}` };
  mounts.push(dir);
  return { dir };
}

/** Two empty slots before the next block, every time: 2 missed_slot records per call. */
async function skipTwoSlots(node: Anvil): Promise<number> {
  return mineAt(node, (await latestBlock(node)).timestamp + 3);
}

async function monitorOn(node: Anvil, dir: string, maxQueued: number): Promise<Running> {
  // Retry appends every 200 ms (default 5 s) so the test is quick; everything else as shipped.
  // No streak escalation (a record rewritten as Critical is a legitimate second line): here every
  // record has exactly one version, so any second line of a key is a double write.
  const run = await startService({ urls: [node.wsUrl], dir, monitoring: { alertThreshold: 1_000_000 }, options: { writer: { retryDelayMs: 200, maxQueued }, checkpointIntervalMs: 100 } });
  runs.push(run);
  return run;
}

/** Chain time ahead of the wall clock: no block ever looks late, no slot timer runs out. */
async function freshChain(): Promise<Anvil> {
  const node = await startAnvil();
  await mineAt(node, Math.floor(Date.now() / 1000) + 60);
  return node;
}

function assertLogSound(file: string, expectedKeys: string[]): void {
  const log = readStrict(file);
  assert.deepEqual(log.invalid, [], 'every line parses');
  assert.ok(log.endsClean, 'no torn last line');
  assert.deepEqual(rawDuplicates(log), [], 'no record written twice');
  assert.deepEqual([...log.latest.keys()].sort(), [...expectedKeys].sort(), 'every record, none lost, none extra');
}

describe('log directory read-only, then writable again', () => {
  test('EROFS reported, records held in memory (≤ maxQueued), all written once when writable; checkpoint waits for them', async (t) => {
    const node = await freshChain();
    let dir: string;
    let makeReadOnly: () => void;
    let makeWritable: () => void;
    const fs = tmpfs('1m');
    if ('dir' in fs) {
      dir = fs.dir;
      makeReadOnly = () => assert.ok(sh('mount', ['-o', 'remount,ro', dir]).ok, 'remount ro');
      makeWritable = () => assert.ok(sh('mount', ['-o', 'remount,rw', dir]).ok, 'remount rw');
      t.diagnostic('read-only by remounting a tmpfs ro');
    } else {
      // chattr +i binds root too; on the directory (no new files) and the log (no appends).
      dir = mkdtempSync(path.join(tmpdir(), 'mbm-disk-'));
      dirs.push(dir);
      const targets = () => [dir, path.join(dir, 'missed_blocks.jsonl')];
      makeReadOnly = () => {
        for (const p of targets()) assert.ok(sh('chattr', ['+i', p]).ok, `chattr +i ${p}`);
        immutable.push(...targets());
      };
      makeWritable = () => {
        for (const p of targets()) assert.ok(sh('chattr', ['-i', p]).ok, `chattr -i ${p}`);
      };
      t.diagnostic(`${fs.why}; read-only by chattr +i instead`);
    }
    const run = await monitorOn(node, dir, 1_000);
    await mineSteady(node, 1);
    const before = await skipTwoSlots(node);
    await waitFor(() => readStrict(run.logPath).lines.length === 2, { what: 'the first two records in the file' });
    await waitFor(async () => (await readCheckpoint(`${run.logPath}.checkpoint.json`))?.number === before, { what: `checkpoint at ${before}` });

    makeReadOnly();
    const warned = run.warnings.length;
    for (let i = 0; i < 4; i++) await skipTwoSlots(node); // 8 records the disk refuses
    const head = await node.blockNumber();
    await run.head(head);
    await waitFor(() => run.warnings.slice(warned).some((w) => /^log .*(EROFS|read-only|EPERM|not permitted)/i.test(w)), {
      what: `a warning naming the log and the error (warnings: ${run.warnings.slice(warned).join(' | ')})`,
    });
    assert.equal(run.svc.pendingWrites, 8, `the 8 records are held in memory (${JSON.stringify(run.latest().map((r) => `${r.block_number} ${r.kind} ${r.reason} ${r.slot}`))})`);
    assert.equal(readStrict(run.logPath).lines.length, 2, 'nothing half-written meanwhile');
    assert.equal((await readCheckpoint(`${run.logPath}.checkpoint.json`))?.number, before, 'checkpoint not past records only in memory');

    makeWritable();
    await waitFor(() => run.svc.pendingWrites === 0, { what: 'the held records written' });
    const expected = run.latest().map((r) => `${r.block_number}:missed_slot:${r.slot}`);
    assert.equal(expected.length, 10);
    assertLogSound(run.logPath, expected);
    // Once the log has them, the checkpoint catches up with the head.
    await waitFor(async () => (await readCheckpoint(`${run.logPath}.checkpoint.json`))?.number === head, { what: `checkpoint at ${head}` });
    t.diagnostic(`records held while read-only: 8, written after: 8, warnings: ${run.warnings.length - warned}`);
  });
});

/** Fill the filesystem under `dir` to the last byte; returns the filler's path. */
function fillUp(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 0x78);
  try {
    for (let i = 0; i < 10_000; i++) {
      try {
        writeSync(fd, chunk);
      } catch (err) {
        assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
        return filler;
      }
    }
  } finally {
    closeSync(fd);
  }
  throw new Error('the tmpfs never filled up');
}

/** `k` empty slots before the next block: k missed_slot records. */
async function skipSlots(node: Anvil, k: number): Promise<number> {
  return mineAt(node, (await latestBlock(node)).timestamp + k + 1);
}

/**
 * Monitor on a 64 KiB tmpfs, 2 records written, the disk filled, then 16 more records. tmpfs gives
 * space by the page, so the first of them may still fit in the log's last page; the rest cannot.
 */
async function fullDisk(t: { skip(m: string): void; diagnostic(m: string): void }, maxQueued: number) {
  const fs = tmpfs('64k');
  if (!('dir' in fs)) {
    t.skip(fs.why);
    return undefined;
  }
  const node = await freshChain();
  const run = await monitorOn(node, fs.dir, maxQueued);
  await mineSteady(node, 1);
  const before = await skipTwoSlots(node);
  await waitFor(() => readStrict(run.logPath).lines.length === 2, { what: 'the first two records in the file' });
  await waitFor(async () => (await readCheckpoint(`${run.logPath}.checkpoint.json`))?.number === before, { what: `checkpoint at ${before}` });
  const filler = fillUp(fs.dir);
  const warned = run.warnings.length;
  let peak = 0;
  for (let i = 0; i < 4; i++) {
    await skipSlots(node, 4);
    peak = Math.max(peak, run.svc.pendingWrites);
  }
  const head = await node.blockNumber();
  await run.head(head);
  await waitFor(() => run.warnings.slice(warned).some((w) => /^log .*(ENOSPC|no space)/i.test(w)), {
    what: `an ENOSPC warning naming the log (${run.warnings.slice(warned).join(' | ')})`,
  });
  peak = Math.max(peak, run.svc.pendingWrites);
  const droppedSoFar = () => Math.max(0, ...run.warnings.slice(warned).map((w) => Number(/could not be written; (\d+) in total/.exec(w)?.[1] ?? 0)));
  // A failed append may show (part of) its lines for a moment before it is cut back; judge once
  // it has settled: every record in the file, held in memory, or reported dropped.
  const settled = await waitFor(() => {
    const l = readStrict(run.logPath);
    const d = droppedSoFar();
    return l.invalid.length === 0 && l.endsClean && l.lines.length + run.svc.pendingWrites + d === 18 ? { log: l, dropped: d } : undefined;
  }, { what: `file + held + dropped = 18 (warnings: ${run.warnings.slice(warned).join(' | ')})` });
  const inFile = settled.log.lines.length;
  assert.ok(inFile < 18, `the disk refused some (${inFile} of 18 in the file)`);
  assert.ok(run.svc.pendingWrites > 0);
  assert.equal((await readCheckpoint(`${run.logPath}.checkpoint.json`))?.number, before, 'checkpoint not past records only in memory');
  return { run, filler, warned, peak, head, inFile, dropped: settled.dropped, inFileKeys: [...settled.log.latest.keys()] };
}

const keysOf = (run: Running) => run.of('missed_slot').map((r) => `${r.block_number}:missed_slot:${r.slot}`);

describe('disk full (a 64 KiB tmpfs filled to the last byte)', () => {
  test('ENOSPC reported, the records kept in memory and written once there is room again', async (t) => {
    const s = await fullDisk(t, 1_000);
    if (!s) return;
    const { run, filler, head, inFile, dropped } = s;
    assert.equal(dropped, 0);
    const held = run.svc.pendingWrites;
    unlinkSync(filler);
    await waitFor(() => run.svc.pendingWrites === 0, { what: 'the held records written' });
    const all = keysOf(run);
    assert.equal(all.length, 18);
    assertLogSound(run.logPath, all);
    await waitFor(async () => (await readCheckpoint(`${run.logPath}.checkpoint.json`))?.number === head, { what: `checkpoint at ${head}` });
    t.diagnostic(`records: 18 detected, ${inFile - 2} fitted the last page, ${held} held while full, 18 in the log once each`);
  });

  test('past the bound (maxQueued 6) the oldest are dropped and reported; memory stays within it', async (t) => {
    const s = await fullDisk(t, 6);
    if (!s) return;
    const { run, filler, peak, dropped, inFileKeys } = s;
    assert.ok(dropped > 0, 'more records than the bound could hold');
    // Held: within the bound (a smaller append may still fit in the log's last page, so not always exactly 6).
    assert.ok(run.svc.pendingWrites > 0 && run.svc.pendingWrites <= 6, `held ${run.svc.pendingWrites}, bound 6`);
    assert.ok(peak <= 6, `memory bound held: peak ${peak} ≤ 6`);
    unlinkSync(filler);
    await waitFor(() => run.svc.pendingWrites === 0, { what: 'the held records written' });
    const all = keysOf(run);
    assert.equal(all.length, 18);
    const log = readStrict(run.logPath);
    assert.deepEqual(log.invalid, []);
    assert.deepEqual(rawDuplicates(log), [], 'no record written twice');
    for (const k of inFileKeys) assert.ok(log.latest.has(k), `${k} was in the file and still is`);
    const lost = all.filter((k) => !log.latest.has(k));
    assert.equal(lost.length, dropped, `exactly the ${dropped} reported as dropped are missing (${lost.join(' ')})`);
    assert.equal(log.latest.size, 18 - dropped);
    t.diagnostic(`records: 18 detected, ${dropped} dropped and reported while full (bound 6), ${18 - dropped} in the log once each`);
  });
});

describe('mbm watch (the CLI) on a log directory that turns read-only', () => {
  test('the error is on stderr, the process stays up, the records reach the file once it is writable, SIGTERM exits 0', async (t) => {
    const fs = tmpfs('1m');
    if (!('dir' in fs)) {
      t.skip(fs.why);
      return;
    }
    const node = await freshChain();
    const cfgDir = mkdtempSync(path.join(tmpdir(), 'mbm-disk-cfg-'));
    dirs.push(cfgDir);
    const config = path.join(cfgDir, 'mbm.toml');
    writeFileSync(config, watchToml({ batch: false }));
    const log = path.join(fs.dir, 'missed_blocks.jsonl');
    const c = spawnMbm(['watch', '--rpc', node.wsUrl, '--config', config, '--log', log]);
    await waitFor(async () => (await readCheckpoint(`${log}.checkpoint.json`))?.number === 1, { timeoutMs: 30_000, what: `checkpoint at 1 (${c.stderr()})` });
    assert.ok(sh('mount', ['-o', 'remount,ro', fs.dir]).ok);
    await skipTwoSlots(node);
    await waitFor(() => /-- warning: log .*(EROFS|read-only)/.test(c.stderr()), { timeoutMs: 15_000, what: `the warning on stderr (${c.stderr()})` });
    assert.equal(readStrict(log).lines.length, 0);
    assert.ok(c.running(), 'still running');
    assert.ok(sh('mount', ['-o', 'remount,rw', fs.dir]).ok);
    // The CLI retries a failed append every 5 s.
    await waitFor(() => readStrict(log).lines.length === 2, { timeoutMs: 20_000, what: 'the two held records in the file' });
    c.child.kill('SIGTERM');
    assert.equal((await exitWithin(c, 15_000)).code, 0, c.stderr());
    assertLogSound(log, [...readStrict(log).latest.keys()]);
    t.diagnostic(`stderr: ${c.stderr().split('\n').filter((l) => l.includes('warning')).slice(0, 1).join('')}`);
  });
});
