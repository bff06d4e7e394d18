import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { repairTornTail, tornPath } from '../../src/node/log/repair';
import { waitFor } from '../helpers/wait';
import { startChildWriter, tempDirs, type ChildWriter } from '../helpers/logFiles';
import { logRecord } from '../helpers/logRecords';
import { parseLogLine } from '../../src/node/log/validate';
import { JsonlWriter } from '../../src/node/log/writer';
import { toLogLine, type MissedBlock } from '../../src/core/model';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/logs');
const WRITE_HALF_LINE = path.join(ROOT, 'test/helpers/write-half-line.ts');

const tempDir = tempDirs('torn');

const record = (n: number): MissedBlock =>
  logRecord(n, { reason: 'Timeout', severity: 'Low', lateSec: 5, recovery_attempts: 0, recovered: true, metadata: { marker: `after reopen ${n}` } });


/** Every line of the file parses as a record and the file ends on a line boundary. */
async function assertAllLinesValid(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  assert.ok(text.endsWith('\n'), 'log ends with a newline');
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((l, i) => {
    const r = parseLogLine(l);
    assert.ok(r.ok, `line ${i + 1} is a valid record: ${r.ok ? '' : r.message}`);
  });
  return lines;
}

describe('torn last line repair (fixtures)', () => {
  async function fixture(name: string): Promise<{ file: string; original: Buffer }> {
    const file = path.join(await tempDir(), 'missed_blocks.jsonl');
    await copyFile(path.join(FIXTURES, name), file);
    return { file, original: await readFile(file) };
  }

  test('a complete valid record missing its newline gets the newline', async () => {
    const { file, original } = await fixture('torn-valid-last-line.jsonl');
    assert.notEqual(original.at(-1), 0x0a, 'fixture really lacks the final newline');
    const result = await repairTornTail(file);
    assert.equal(result.action, 'newline-appended');
    assert.deepEqual(await readFile(file), Buffer.concat([original, Buffer.from('\n')]));
    assert.equal((await assertAllLinesValid(file)).length, 2);
    assert.ok(!existsSync(tornPath(file)));
  });

  test('a partial record is moved to <log>.torn and the log cut back to the last newline', async () => {
    const { file, original } = await fixture('torn-partial-last-line.jsonl');
    const cut = original.lastIndexOf(0x0a) + 1;
    const result = await repairTornTail(file);
    assert.equal(result.action, 'moved-to-torn');
    if (result.action !== 'moved-to-torn') return;
    assert.equal(result.truncatedTo, cut);
    assert.equal(result.bytes, original.length - cut);
    assert.equal(result.tornPath, file + '.torn');
    assert.match(result.problem, /not valid JSON/);
    assert.deepEqual(await readFile(file), original.subarray(0, cut));
    assert.deepEqual(await readFile(result.tornPath), Buffer.concat([original.subarray(cut), Buffer.from('\n')]));

    // A writer opened now puts its first line on a line of its own.
    const w = new JsonlWriter({ path: file, rotationSize: 0, retentionDays: 0, batchLogging: false, batchSize: 1, batchTimeoutMs: 0 });
    const report = await w.open();
    assert.deepEqual(report.repair, { action: 'none' }, 'already repaired');
    w.write(record(7));
    await w.close();
    const lines = await assertAllLinesValid(file);
    assert.deepEqual(lines.at(-1), toLogLine(record(7)));
  });

  test('the .torn side file is appended to, never overwritten', async () => {
    const file = path.join(await tempDir(), 'missed_blocks.jsonl');
    await writeFile(file, 'first fragment');
    assert.equal((await repairTornTail(file)).action, 'moved-to-torn');
    assert.equal((await stat(file)).size, 0, 'a log with no newline at all is cut to empty');
    await writeFile(file, `${toLogLine(record(1))}\n{"second`);
    assert.equal((await repairTornTail(file)).action, 'moved-to-torn');
    assert.equal(await readFile(tornPath(file), 'utf8'), 'first fragment\n{"second\n');
    assert.equal(await readFile(file, 'utf8'), `${toLogLine(record(1))}\n`);
  });

  test('a fragment longer than the tail chunk is found and moved whole', async () => {
    const file = path.join(await tempDir(), 'missed_blocks.jsonl');
    const head = `${toLogLine(record(1))}\n`;
    const fragment = `{"timestamp":1,"metadata":{"x":"${'y'.repeat(300_000)}`;
    await writeFile(file, head + fragment);
    const result = await repairTornTail(file);
    assert.equal(result.action, 'moved-to-torn');
    assert.equal(await readFile(file, 'utf8'), head);
    assert.equal(await readFile(tornPath(file), 'utf8'), fragment + '\n');
  });

  test('missing, empty and clean files are left alone', async () => {
    const dir = await tempDir();
    assert.deepEqual(await repairTornTail(path.join(dir, 'nope.jsonl')), { action: 'none' });
    const empty = path.join(dir, 'empty.jsonl');
    await writeFile(empty, '');
    assert.deepEqual(await repairTornTail(empty), { action: 'none' });
    const clean = path.join(dir, 'clean.jsonl');
    await writeFile(clean, `${toLogLine(record(1))}\n`);
    assert.deepEqual(await repairTornTail(clean), { action: 'none' });
    assert.equal(await readFile(clean, 'utf8'), `${toLogLine(record(1))}\n`);
  });
});

describe('kill -9 while writing', () => {
  const startWriter = (file: string): ChildWriter => startChildWriter('write-forever.ts', [file]);

  async function size(file: string): Promise<number> {
    try {
      return (await stat(file)).size;
    } catch {
      return 0;
    }
  }

  test('a process killed -9 in the middle of a line: the fragment is set aside, the next line stands alone', { timeout: 60_000 }, async () => {
    const file = path.join(await tempDir(), 'missed_blocks.jsonl');
    const child = spawn(process.execPath, ['--import', 'tsx', WRITE_HALF_LINE, file, '3'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let exited = false;
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', () => (exited = true));
    try {
      await waitFor(() => out.includes('half') || exited, { what: 'the child to write half a line', timeoutMs: 30_000 });
      assert.ok(!exited, 'the child exited before it was killed');
    } finally {
      child.kill('SIGKILL');
    }
    await waitFor(() => exited, { what: 'the child to die' });
    assert.equal(child.signalCode, 'SIGKILL');
    const raw = await readFile(file);
    assert.notEqual(raw[raw.length - 1], 10, 'the kill left a torn last line');

    const writer = new JsonlWriter({ path: file, rotationSize: 0, retentionDays: 0, batchLogging: false, batchSize: 1, batchTimeoutMs: 0 });
    const report = await writer.open();
    assert.equal(report.repair.action, 'moved-to-torn');
    writer.write(record(99));
    await writer.close();
    const lines = await assertAllLinesValid(file);
    assert.equal(lines.length, 4, 'three whole records and the one written after reopening');
    assert.equal(lines.at(-1), toLogLine(record(99)));
    const side = await readFile(tornPath(file));
    assert.ok(raw.subarray(raw.lastIndexOf(10) + 1).equals(side.subarray(0, side.length - 1)), 'the fragment is kept byte for byte');
  });

  test('after each SIGKILL, reopening leaves only whole valid lines and the next line stands alone', { timeout: 120_000 }, async (t) => {
    const file = path.join(await tempDir(), 'missed_blocks.jsonl');
    const rounds = 5;
    let torn = 0;
    for (let round = 1; round <= rounds; round++) {
      const before = await size(file);
      const w = startWriter(file);
      try {
        // Resolves early if the child dies on its own, so that shows up now, not at the deadline.
        await waitFor(async () => w.exited() || (await size(file)) > before + 2_000_000, {
          what: `round ${round}: the child to write 2 MB`,
          timeoutMs: 60_000,
        });
        assert.ok(!w.exited(), `writer exited on its own: ${w.stderr()}`);
      } finally {
        w.child.kill('SIGKILL');
      }
      await waitFor(() => w.exited(), { what: `round ${round}: the child to die` });
      assert.equal(w.child.signalCode, 'SIGKILL');

      const writer = new JsonlWriter({ path: file, rotationSize: 0, retentionDays: 0, batchLogging: false, batchSize: 1, batchTimeoutMs: 0 });
      const report = await writer.open();
      if (report.repair.action !== 'none') torn++;
      const lines = await assertAllLinesValid(file);
      assert.ok(lines.length > 0);
      writer.write(record(round));
      await writer.close();
      const after = await assertAllLinesValid(file);
      assert.equal(after.length, lines.length + 1);
      assert.equal(after.at(-1), toLogLine(record(round)), 'the line written after reopening is on its own line');
    }
    // Whether a kill lands mid-write is up to the scheduler; the fixture tests cover repair itself.
    t.diagnostic(`${torn} of ${rounds} kills left a torn last line`);
    if (existsSync(tornPath(file))) {
      const side = await readFile(tornPath(file), 'utf8');
      assert.ok(side.endsWith('\n'));
    }
  });
});
