import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DEFAULT_LOGGING } from '../../src/core/config';
import { waitFor } from '../helpers/wait';
import { parseLogLine } from '../../src/node/log/validate';
import { JsonlWriter, RecordsDroppedError, writerOptionsFrom, type JsonlWriterOptions } from '../../src/node/log/writer';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { linesOf, tempDirs } from '../helpers/logFiles';
import { logRecord } from '../helpers/logRecords';

const tempDir = tempDirs('writer');

const record = (n: number): MissedBlock =>
  logRecord(n, { reason: 'NetworkLatency', severity: 'Medium', lateSec: 10, recovery_attempts: 0, recovered: false, metadata: { note: `record ${n}` }, kind: 'delayed' });

async function readLines(file: string): Promise<string[]> {
  return existsSync(file) ? linesOf(await readFile(file, 'utf8')) : [];
}


function options(file: string, over: Partial<JsonlWriterOptions> = {}): JsonlWriterOptions {
  return {
    path: file,
    rotationSize: 0,
    retentionDays: 0,
    batchLogging: true,
    batchSize: 5,
    batchTimeoutMs: 60_000,
    ...over,
  };
}

describe('JsonlWriter', () => {
  test('writerOptionsFrom maps the logger config (ms durations, fsync on)', () => {
    const o = writerOptionsFrom(DEFAULT_LOGGING);
    assert.equal(o.path, 'logs/missed_blocks.jsonl');
    assert.equal(o.rotationSize, 10 * 1024 * 1024);
    assert.equal(o.retentionDays, 30);
    assert.equal(o.batchLogging, true);
    assert.equal(o.batchSize, 100);
    assert.equal(o.batchTimeoutMs, 60_000);
    assert.equal(o.fsync, true);
  });

  test('open creates missing parent directories', async () => {
    const file = path.join(await tempDir(), 'a', 'b', 'log.jsonl');
    const w = new JsonlWriter(options(file, { batchLogging: false }));
    const report = await w.open();
    assert.deepEqual(report.repair, { action: 'none' });
    w.write(record(1));
    await w.close();
    assert.deepEqual(await readLines(file), [toLogLine(record(1))]);
  });

  test('a batch is written when batchSize records are queued, not before', async () => {
    const file = path.join(await tempDir(), 'log.jsonl');
    const w = new JsonlWriter(options(file, { batchSize: 5 }));
    await w.open();
    for (let i = 1; i <= 4; i++) w.write(record(i));
    assert.equal(w.pending, 4);
    assert.deepEqual(await readLines(file), [], 'four of five queued: not written yet');
    w.write(record(5));
    await waitFor(async () => (await readLines(file)).length === 5, { what: 'the batch of 5 in the file' });
    assert.deepEqual(await readLines(file), [1, 2, 3, 4, 5].map((n) => toLogLine(record(n))));
    await w.flush(); // the lines are visible before the append's fsync returns
    assert.equal(w.pending, 0);
    await w.close();
  });

  test('a partial batch is written batchTimeoutMs after its first record', async () => {
    const file = path.join(await tempDir(), 'log.jsonl');
    const w = new JsonlWriter(options(file, { batchSize: 100, batchTimeoutMs: 150 }));
    await w.open();
    const started = Date.now();
    w.write(record(1));
    w.write(record(2));
    assert.deepEqual(await readLines(file), []);
    await waitFor(async () => (await readLines(file)).length === 2, { what: 'the timed-out batch in the file' });
    assert.ok(Date.now() - started >= 140, 'not written before the timeout');
    assert.deepEqual(await readLines(file), [toLogLine(record(1)), toLogLine(record(2))]);
    await w.close();
  });

  test('close flushes what is queued, and a second close is harmless', async () => {
    const file = path.join(await tempDir(), 'log.jsonl');
    const w = new JsonlWriter(options(file, { batchSize: 100 }));
    await w.open();
    for (let i = 1; i <= 7; i++) w.write(record(i));
    assert.deepEqual(await readLines(file), []);
    await w.close();
    await w.close();
    assert.equal(w.pending, 0);
    const lines = await readLines(file);
    assert.deepEqual(lines, [1, 2, 3, 4, 5, 6, 7].map((n) => toLogLine(record(n))));
    for (const l of lines) assert.ok(parseLogLine(l).ok);
  });

  test('write after close is reported, not thrown, and not written', async () => {
    const file = path.join(await tempDir(), 'log.jsonl');
    const errors: Error[] = [];
    const w = new JsonlWriter(options(file, { onError: (e) => errors.push(e) }));
    await w.open();
    await w.close();
    w.write(record(1));
    assert.equal(errors.length, 1);
    assert.match(errors[0].message, /closed/);
    assert.deepEqual(await readLines(file), []);
  });

  test('without batching each record is written right away', async () => {
    const file = path.join(await tempDir(), 'log.jsonl');
    const w = new JsonlWriter(options(file, { batchLogging: false, batchSize: 100 }));
    await w.open();
    w.write(record(1));
    await waitFor(async () => (await readLines(file)).length === 1, { what: 'the first record in the file' });
    w.write(record(2));
    await waitFor(async () => (await readLines(file)).length === 2, { what: 'the second record in the file' });
    assert.deepEqual(await readLines(file), [toLogLine(record(1)), toLogLine(record(2))]);
    await w.close();
  });

  test('concurrent writes and flushes never interleave or reorder lines', async () => {
    const file = path.join(await tempDir(), 'log.jsonl');
    const w = new JsonlWriter(options(file, { batchLogging: false, fsync: false }));
    await w.open();
    const flushes: Promise<void>[] = [];
    for (let i = 0; i < 500; i++) {
      w.write(record(i));
      if (i % 7 === 0) flushes.push(w.flush());
    }
    await Promise.all(flushes);
    await w.close();
    assert.deepEqual(await readLines(file), Array.from({ length: 500 }, (_, i) => toLogLine(record(i))));
  });

  test('the record is serialized at write(): later mutation does not change the line', async () => {
    const file = path.join(await tempDir(), 'log.jsonl');
    const w = new JsonlWriter(options(file, { batchSize: 10 }));
    await w.open();
    const r = record(1);
    w.write(r);
    r.recovered = true;
    await w.close();
    assert.deepEqual(await readLines(file), [toLogLine(record(1))]);
  });

  describe('when the file cannot be written', () => {
    test('a directory in place of the log: onError, records kept, written after the obstacle goes', async () => {
      const file = path.join(await tempDir(), 'log.jsonl');
      const errors: Error[] = [];
      const w = new JsonlWriter(options(file, { batchSize: 2, retryDelayMs: 30, onError: (e) => errors.push(e) }));
      await w.open();
      await mkdir(file); // fails for root too: open(dir, 'a') is EISDIR
      w.write(record(1));
      w.write(record(2));
      await waitFor(() => errors.length > 0, { what: 'an error report' });
      assert.equal((errors[0] as NodeJS.ErrnoException).code, 'EISDIR');
      assert.equal(w.pending, 2);
      w.write(record(3));
      assert.equal(w.pending, 3);
      await rmdir(file);
      // No explicit flush: the retry timer must pick the queue up on its own.
      await waitFor(async () => (await readLines(file)).length === 3, { what: 'the kept records in the file' });
      assert.deepEqual(await readLines(file), [1, 2, 3].map((n) => toLogLine(record(n))));
      await w.flush(); // the lines are visible before the append's fsync returns
      assert.equal(w.pending, 0);
      await w.close();
    });

    test('a file in place of the parent directory: ENOTDIR, then the directory is recreated', async () => {
      const dir = await tempDir();
      const parent = path.join(dir, 'logs');
      const file = path.join(parent, 'log.jsonl');
      const errors: Error[] = [];
      const w = new JsonlWriter(options(file, { batchLogging: false, retryDelayMs: 60_000, onError: (e) => errors.push(e) }));
      await w.open();
      await rm(parent, { recursive: true });
      await writeFile(parent, 'not a directory');
      w.write(record(1));
      await waitFor(() => errors.length > 0, { what: 'an error report' });
      assert.equal((errors.at(-1) as NodeJS.ErrnoException).code, 'ENOTDIR');
      assert.equal(w.pending, 1);
      await rm(parent);
      await w.flush();
      assert.deepEqual(await readLines(file), [toLogLine(record(1))]);
      assert.equal(w.pending, 0);
      await w.close();
    });

    test('ENOSPC (/dev/full) is reported and the record kept', { skip: !existsSync('/dev/full') }, async () => {
      const errors: Error[] = [];
      const w = new JsonlWriter(options('/dev/full', { batchLogging: false, retryDelayMs: 60_000, onError: (e) => errors.push(e) }));
      await w.open();
      w.write(record(1));
      await waitFor(() => errors.length > 0, { what: 'an error report' });
      assert.equal((errors[0] as NodeJS.ErrnoException).code, 'ENOSPC');
      assert.equal(w.pending, 1);
      await w.close();
      assert.equal(w.pending, 1, 'close does not pretend the record was written');
    });

    test('beyond maxQueued the oldest records are dropped, counted and reported', async () => {
      const file = path.join(await tempDir(), 'log.jsonl');
      const errors: Error[] = [];
      const w = new JsonlWriter(options(file, { batchLogging: false, maxQueued: 5, retryDelayMs: 60_000, onError: (e) => errors.push(e) }));
      await w.open();
      await mkdir(file);
      w.write(record(1));
      await waitFor(() => errors.length > 0, { what: 'the first failure' });
      for (let i = 2; i <= 8; i++) w.write(record(i));
      assert.equal(w.pending, 5);
      assert.equal(w.dropped, 3);
      await rmdir(file);
      await w.flush();
      const drops = errors.filter((e): e is RecordsDroppedError => e instanceof RecordsDroppedError);
      assert.equal(drops.length, 1);
      assert.equal(drops[0].count, 3);
      assert.deepEqual(await readLines(file), [4, 5, 6, 7, 8].map((n) => toLogLine(record(n))));
      await w.close();
    });
  });
});
