import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { rotatedPath, rotatedSiblings } from '../../src/node/log/files';
import { applyRetention, finishInterruptedRotations } from '../../src/node/log/rotation';
import { JsonlWriter, type JsonlWriterOptions } from '../../src/node/log/writer';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { linesOf, tempDirs } from '../helpers/logFiles';
import { logRecord } from '../helpers/logRecords';

const tempDir = tempDirs('rotation');

const record = (n: number): MissedBlock =>
  logRecord(n, { reason: 'Unknown', severity: 'High', lateSec: 12, recovery_attempts: 1, recovered: false, metadata: { padding: 'x'.repeat(n % 50) }, kind: 'missed_slot' });

/** Everything a reader would see: rotated files oldest first, then the active file. */
async function allLines(active: string): Promise<string[]> {
  const out: string[] = [];
  for (const r of await rotatedSiblings(active)) out.push(...linesOf(gunzipSync(await readFile(r.path)).toString('utf8')));
  if (existsSync(active)) out.push(...linesOf(await readFile(active, 'utf8')));
  return out;
}

function options(file: string, over: Partial<JsonlWriterOptions> = {}): JsonlWriterOptions {
  return { path: file, rotationSize: 2_000, retentionDays: 0, batchLogging: true, batchSize: 7, batchTimeoutMs: 60_000, fsync: false, ...over };
}

const DAY = 86_400_000;

describe('rotation', () => {
  test('across several rotations, gz files + active file hold every line once, in order', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'missed_blocks.jsonl');
    const rotated: string[] = [];
    const errors: Error[] = [];
    const w = new JsonlWriter(options(file, { onRotate: (p) => rotated.push(p), onError: (e) => errors.push(e) }));
    await w.open();
    const written: string[] = [];
    for (let i = 0; i < 300; i++) {
      w.write(record(i));
      written.push(toLogLine(record(i)));
      if (i % 40 === 0) await w.flush();
    }
    await w.close();
    assert.deepEqual(errors, []);

    const siblings = await rotatedSiblings(file);
    assert.ok(siblings.length >= 5, `expected several rotations, got ${siblings.length}`);
    assert.deepEqual(siblings.map((s) => s.path), rotated, 'onRotate reported each rotated file, in order');
    for (const s of siblings) {
      // Named exactly as files.ts names them (several in one second get -n).
      const n = /-(\d+)\.jsonl\.gz$/.exec(s.path)?.[1];
      assert.equal(s.path, rotatedPath(file, s.rotatedAt, n ? Number(n) : 0));
      assert.ok(gunzipSync(await readFile(s.path)).length <= 2_000, 'no rotated file exceeds the rotation size');
    }
    assert.ok((await stat(file)).size <= 2_000);
    assert.deepEqual(await allLines(file), written);
    // No leftovers of the rotation steps.
    const names = await readdir(dir);
    assert.deepEqual(names.filter((n) => !n.endsWith('.jsonl.gz') && n !== 'missed_blocks.jsonl'), []);
  });

  test('an empty active file is not rotated even if one batch is larger than the limit', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'missed_blocks.jsonl');
    const w = new JsonlWriter(options(file, { rotationSize: 100, batchSize: 1 }));
    await w.open();
    w.write(record(1));
    await w.flush();
    assert.deepEqual(await rotatedSiblings(file), []);
    w.write(record(2));
    await w.close();
    assert.equal((await rotatedSiblings(file)).length, 1);
    assert.deepEqual(await allLines(file), [toLogLine(record(1)), toLogLine(record(2))]);
  });

  describe('a rotation interrupted by a crash is finished on open', () => {
    const stamp = new Date('2024-03-01T10:20:30Z');

    test('died after the rename: the .src is compressed to its final name', async () => {
      const dir = await tempDir();
      const file = path.join(dir, 'missed_blocks.jsonl');
      const final = rotatedPath(file, stamp);
      await writeFile(final + '.src', toLogLine(record(1)) + '\n' + toLogLine(record(2)) + '\n');
      await writeFile(final + '.part', 'half a gzip stream'); // died during compression, too
      await writeFile(file, toLogLine(record(3)) + '\n');
      const w = new JsonlWriter(options(file));
      const report = await w.open();
      assert.deepEqual(report.finishedRotations, [final]);
      assert.ok(!existsSync(final + '.src') && !existsSync(final + '.part'));
      w.write(record(4));
      await w.close();
      assert.deepEqual(await allLines(file), [1, 2, 3, 4].map((n) => toLogLine(record(n))));
    });

    test('died after the .gz was in place: the .src is removed, nothing doubled', async () => {
      const dir = await tempDir();
      const file = path.join(dir, 'missed_blocks.jsonl');
      const final = rotatedPath(file, stamp);
      const content = toLogLine(record(1)) + '\n';
      await writeFile(final, gzipSync(content));
      await writeFile(final + '.src', content);
      const done = await finishInterruptedRotations(file);
      assert.deepEqual(done, [final]);
      assert.deepEqual(await readdir(dir), [path.basename(final)]);
      assert.deepEqual(await allLines(file), [toLogLine(record(1))]);
    });
  });

  describe('retention', () => {
    const now = new Date('2024-06-30T12:00:00Z');

    async function layout(dir: string, file: string): Promise<Record<string, string>> {
      const names = {
        old: rotatedPath(file, new Date(now.getTime() - 40 * DAY)),
        oldN: rotatedPath(file, new Date(now.getTime() - 31 * DAY), 2),
        recent: rotatedPath(file, new Date(now.getTime() - 10 * DAY)),
        otherLog: rotatedPath(path.join(dir, 'other.jsonl'), new Date(now.getTime() - 400 * DAY)),
        notGz: path.join(dir, 'missed_blocks.20200101T000000.jsonl'),
        notes: path.join(dir, 'missed_blocks.notes.txt'),
        torn: file + '.torn',
      };
      for (const p of Object.values(names)) await writeFile(p, 'x');
      return names;
    }

    test('open deletes only rotated siblings older than retentionDays', async () => {
      const dir = await tempDir();
      const file = path.join(dir, 'missed_blocks.jsonl');
      const f = await layout(dir, file);
      const w = new JsonlWriter(options(file, { retentionDays: 30, now: () => now }));
      const report = await w.open();
      await w.close();
      assert.deepEqual(report.deleted.sort(), [f.old, f.oldN].sort());
      for (const k of ['recent', 'otherLog', 'notGz', 'notes', 'torn']) assert.ok(existsSync(f[k]), `${k} kept`);
      assert.ok(!existsSync(f.old) && !existsSync(f.oldN));
    });

    test('retentionDays 0 keeps everything', async () => {
      const dir = await tempDir();
      const file = path.join(dir, 'missed_blocks.jsonl');
      const f = await layout(dir, file);
      assert.deepEqual(await applyRetention(file, 0, now), []);
      for (const p of Object.values(f)) assert.ok(existsSync(p));
    });

    test('retention also runs after a rotation', async () => {
      const dir = await tempDir();
      const file = path.join(dir, 'missed_blocks.jsonl');
      let clock = now;
      const w = new JsonlWriter(options(file, { retentionDays: 30, rotationSize: 300, batchSize: 1, now: () => clock }));
      await w.open();
      w.write(record(1));
      await w.flush();
      const old = rotatedPath(file, new Date(now.getTime() - 45 * DAY));
      await writeFile(old, gzipSync('x\n'));
      clock = new Date(now.getTime() + 1000);
      w.write(record(2)); // does not fit: rotates, then applies retention
      await w.close();
      assert.ok(!existsSync(old), 'the old sibling was deleted after the rotation');
      const left = await rotatedSiblings(file);
      assert.deepEqual(left.map((s) => s.path), [rotatedPath(file, clock)]);
      assert.deepEqual(await allLines(file), [toLogLine(record(1)), toLogLine(record(2))]);
    });
  });
});
