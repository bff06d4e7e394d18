// Time-based rotation (log_rotation_interval): at UTC boundaries, together with size rotation, with
// the same gzip/naming/retention rules and crash safety. The clock is injected.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { parseConfigText } from '../../src/core/config';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { rotatedSiblings } from '../../src/node/log/files';
import { parseLogLine } from '../../src/node/log/validate';
import { JsonlWriter, type JsonlWriterOptions } from '../../src/node/log/writer';
import { waitFor } from '../helpers/wait';
import { linesOf, startChildWriter, tempDirs, type ChildWriter } from '../helpers/logFiles';
import { logRecord, unbatchedWriterOptions } from '../helpers/logRecords';

const HOUR = 3_600_000;
const DAY = 86_400_000;

const tempDir = tempDirs('rotint');
const logPath = async (): Promise<string> => path.join(await tempDir(), 'missed_blocks.jsonl');

const record = (n: number): MissedBlock =>
  logRecord(n, { reason: 'Unknown', severity: 'High', lateSec: 12, recovery_attempts: 1, recovered: false, metadata: { padding: 'x'.repeat(n % 50) } });

/** Rotated file name → its lines, plus the active file, in reading order. */
async function contents(active: string): Promise<[string, number[]][]> {
  const out: [string, number[]][] = [];
  const nums = (text: string) => linesOf(text).map((l) => (JSON.parse(l) as MissedBlock).block_number);
  for (const r of await rotatedSiblings(active)) out.push([path.basename(r.path), nums(gunzipSync(await readFile(r.path)).toString('utf8'))]);
  if (existsSync(active)) out.push([path.basename(active), nums(await readFile(active, 'utf8'))]);
  return out;
}

function opts(file: string, clock: { t: number }, over: Partial<JsonlWriterOptions> = {}): JsonlWriterOptions {
  return unbatchedWriterOptions(file, { rotationIntervalMs: HOUR, now: () => new Date(clock.t), ...over });
}

describe('log_rotation_interval config', () => {
  test('"1d" and "1h" are read as a day and an hour; off by default', () => {
    assert.equal(parseConfigText('').logging.logRotationIntervalMs, 0);
    assert.equal(parseConfigText('[logging]\nlog_rotation_interval = "1d"\n').logging.logRotationIntervalMs, 86_400_000);
    assert.equal(parseConfigText('[logging]\nlog_rotation_interval = "1h"\n').logging.logRotationIntervalMs, 3_600_000);
    assert.equal(parseConfigText('[logging]\nlog_rotation_interval = "6h"\n').logging.logRotationIntervalMs, 21_600_000);
  });

  test('a value that does not divide a day, or is not a string, names the key and the expected form', () => {
    for (const bad of ['"5h"', '"2d"', '"1w"', '"90m"', '3600']) {
      assert.throws(
        () => parseConfigText(`[logging]\nlog_rotation_interval = ${bad}\n`),
        /logging\.log_rotation_interval = .*: expected a rotation interval "1d" \(daily at 00:00 UTC\) or "1h"/,
        bad,
      );
    }
  });
});

describe('time rotation', () => {
  test('hourly: the first append after a boundary closes the file under the boundary\'s name', async () => {
    const file = await logPath();
    const clock = { t: Date.parse('2024-03-01T10:59:50Z') };
    const rotated: string[] = [];
    const w = new JsonlWriter(opts(file, clock, { onRotate: (p) => rotated.push(path.basename(p)) }));
    await w.open();
    w.write(record(1));
    w.write(record(2));
    await w.flush();
    clock.t = Date.parse('2024-03-01T11:00:05Z');
    w.write(record(3));
    await w.flush();
    // 12:00 passed while idle, and 13:00 too: one file for the 11:00 hour, named by the boundary that closed it.
    clock.t = Date.parse('2024-03-01T13:30:00Z');
    w.write(record(4));
    await w.close();
    assert.deepEqual(rotated, ['missed_blocks.20240301T110000.jsonl.gz', 'missed_blocks.20240301T120000.jsonl.gz']);
    assert.deepEqual(await contents(file), [
      ['missed_blocks.20240301T110000.jsonl.gz', [1, 2]],
      ['missed_blocks.20240301T120000.jsonl.gz', [3]],
      ['missed_blocks.jsonl', [4]],
    ]);
  });

  test('together with size rotation: size rotations inside the hour are named by time, lines stay in order', async () => {
    const file = await logPath();
    const clock = { t: Date.parse('2024-03-01T10:58:00Z') };
    const w = new JsonlWriter(opts(file, clock, { rotationSize: 720 }));
    await w.open();
    for (let n = 1; n <= 12; n++) {
      w.write(record(n)); // 227–239 bytes each: three fit under 720
      await w.flush();
      clock.t += 20_000;
    }
    await w.close();
    // Record n is written at 10:58:00 + (n−1)·20 s: 1–6 before 11:00, 7–12 from 11:00:00 on. Record 4
    // overflows the size (10:59:00), 7 is the first of the new hour, 10 overflows again (11:01:00).
    assert.deepEqual(await contents(file), [
      ['missed_blocks.20240301T105900.jsonl.gz', [1, 2, 3]],
      ['missed_blocks.20240301T110000.jsonl.gz', [4, 5, 6]],
      ['missed_blocks.20240301T110100.jsonl.gz', [7, 8, 9]],
      ['missed_blocks.jsonl', [10, 11, 12]],
    ]);
  });

  test('daily: a restart after days down rotates the old file on open, named by the midnight that closed it', async () => {
    const file = await logPath();
    const clock = { t: Date.parse('2024-12-01T15:00:00Z') };
    const a = new JsonlWriter(opts(file, clock, { rotationIntervalMs: DAY }));
    await a.open();
    a.write(record(1));
    await a.close();
    clock.t = Date.parse('2024-12-04T08:00:00Z');
    const rotated: string[] = [];
    const b = new JsonlWriter(opts(file, clock, { rotationIntervalMs: DAY, onRotate: (p) => rotated.push(path.basename(p)) }));
    await b.open();
    assert.deepEqual(rotated, ['missed_blocks.20241202T000000.jsonl.gz'], 'rotated before anything new was written');
    b.write(record(2));
    await b.close();
    assert.deepEqual(await contents(file), [
      ['missed_blocks.20241202T000000.jsonl.gz', [1]],
      ['missed_blocks.jsonl', [2]],
    ]);
  });

  test('retention deletes time-rotated files by the boundary in their names', async () => {
    const file = await logPath();
    const clock = { t: Date.parse('2024-12-01T15:00:00Z') };
    const w = new JsonlWriter(opts(file, clock, { rotationIntervalMs: DAY, retentionDays: 2 }));
    await w.open();
    for (const [n, day] of [[1, 1], [2, 2], [3, 3], [4, 4], [5, 5]]) {
      clock.t = Date.parse(`2024-12-0${day}T15:00:00Z`);
      w.write(record(n));
      await w.flush();
    }
    await w.close();
    // On the 5th at 15:00 the cutoff is the 3rd at 15:00: the files closed at midnight on the 2nd and 3rd are gone.
    assert.deepEqual(await contents(file), [
      ['missed_blocks.20241204T000000.jsonl.gz', [3]],
      ['missed_blocks.20241205T000000.jsonl.gz', [4]],
      ['missed_blocks.jsonl', [5]],
    ]);
  });

  test('nothing written: the boundary timer closes the file itself', { timeout: 20_000 }, async () => {
    const file = await logPath();
    // A clock running in real time from 0.3 s before a boundary.
    const offset = Date.parse('2024-03-01T10:59:59.700Z') - Date.now();
    const rotated: string[] = [];
    const w = new JsonlWriter(opts(file, { t: 0 }, { now: () => new Date(Date.now() + offset), onRotate: (p) => rotated.push(path.basename(p)) }));
    await w.open();
    w.write(record(1));
    await w.flush();
    await waitFor(() => rotated.length > 0, { what: 'the boundary timer to rotate', timeoutMs: 10_000 });
    await w.close();
    assert.deepEqual(rotated, ['missed_blocks.20240301T110000.jsonl.gz']);
    assert.equal(existsSync(file), false, 'no active file until the next record');
  });

  test('a file whose mtime is in the current interval is left alone on open', async () => {
    const file = await logPath();
    await writeFile(file, toLogLine(record(1)) + '\n');
    const t = Date.parse('2024-03-01T10:10:00Z');
    await utimes(file, new Date(t), new Date(t));
    const w = new JsonlWriter(opts(file, { t: Date.parse('2024-03-01T10:50:00Z') }));
    await w.open();
    await w.close();
    assert.deepEqual(await contents(file), [['missed_blocks.jsonl', [1]]]);
  });
});

describe('kill -9 during time + size rotation', () => {
  const start = (file: string, clockStart: number): ChildWriter => startChildWriter('write-rotating-forever.ts', [file, String(clockStart), String(7 * 60_000)]);

  test('after each SIGKILL the files hold every record of every round once, in order, and nothing half-made is left', { timeout: 180_000 }, async (t) => {
    const file = await logPath();
    const dir = path.dirname(file);
    const rounds = 6;
    const base = Date.now();
    const pids: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const before = (await rotatedSiblings(file)).length;
      // Each round's clock starts a year after the last one's: the file the kill left is from an ended interval.
      const w = start(file, base + round * 365 * DAY);
      pids.push(w.child.pid!);
      try {
        // Kill after a varying number of rotations, so the kill lands at different steps.
        const target = before + 5 + (round % 3) * 4;
        await waitFor(async () => w.exited() || (await rotatedSiblings(file)).length >= target, {
          what: `round ${round}: ${target - before} rotations`,
          timeoutMs: 60_000,
        });
        assert.ok(!w.exited(), `writer exited on its own: ${w.stderr()}`);
      } finally {
        w.child.kill('SIGKILL');
      }
      await waitFor(() => w.exited(), { what: `round ${round}: the child to die` });
      assert.equal(w.child.signalCode, 'SIGKILL');
    }
    // The next start finishes what the last kill interrupted, repairs a torn line, and closes the old interval.
    const reopen = new JsonlWriter(opts(file, { t: base + rounds * 365 * DAY }, { rotationSize: 256 * 1024 }));
    await reopen.open();
    await reopen.close();
    const names = await readdir(dir);
    assert.deepEqual(names.filter((n) => /\.(src|part)$/.test(n)), [], 'no rotation left half done');

    const seen: { pid: number; n: number }[] = [];
    for (const r of await rotatedSiblings(file)) {
      for (const line of linesOf(gunzipSync(await readFile(r.path)).toString('utf8'))) {
        const p = parseLogLine(line);
        assert.ok(p.ok, `${path.basename(r.path)}: ${p.ok ? '' : p.message}`);
        const m = (JSON.parse(line) as MissedBlock).metadata as { pid: number; n: number };
        seen.push({ pid: m.pid, n: m.n });
      }
    }
    assert.equal(existsSync(file), false, 'the active file was rotated on reopen');
    // Per round: records 0..k, each once, in order; rounds one after another. A line the kill tore
    // (set aside in .torn) can only be a round's last, so it leaves no hole.
    const byRound = pids.map((pid) => seen.filter((s) => s.pid === pid).map((s) => s.n));
    assert.deepEqual(seen.map((s) => s.pid), byRound.flatMap((ns, i) => ns.map(() => pids[i])), 'rounds are not interleaved');
    byRound.forEach((ns, i) => {
      assert.ok(ns.length > 10, `round ${i} wrote records`);
      assert.deepEqual(ns, ns.map((_, j) => j), `round ${i}: records 0..${ns.length - 1} each once`);
    });
    const rotatedFiles = (await rotatedSiblings(file)).length;
    t.diagnostic(`${rounds} kills, ${rotatedFiles} rotated files, ${seen.length} records (${byRound.map((ns) => ns.length).join('/')}), torn lines set aside: ${existsSync(`${file}.torn`) ? 'yes' : 'none'}`);
  });
});
