import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { gzipSync } from 'node:zlib';
import { DashboardModel } from '../../src/common/dashboard/model';
import { encodeBatch } from '../../src/common/dashboard/wire';
import { readLog } from '../../src/node/log/reader';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { RecentRecords, type FeedSink, type FeedSnapshot } from '../../src/extension/dashboard/feed';
import { LiveFeed } from '../../src/extension/dashboard/liveFeed';
import { ReplayPlayer } from '../../src/extension/dashboard/replayPlayer';
import type { ReplayStatus } from '../../src/common/protocol';
import { base, prng, randomLog, T0 } from '../helpers/dashboardRecords';
import { waitFor } from '../helpers/wait';

const text = (records: MissedBlock[]) => records.map((r) => `${toLogLine(r)}\n`).join('');

function tempDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-dash-'));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A webview stand-in: applies what a feed sends to a model, as main.ts does. */
function webview() {
  const s = {
    model: undefined as DashboardModel | undefined,
    snapshots: 0,
    deltas: 0,
    /** Highest line number of the active file seen so far. */
    lastLine: 0,
    statuses: [] as ReplayStatus[],
    warnings: [] as string[],
  };
  const sink: FeedSink = {
    snapshot(snap: FeedSnapshot) {
      s.snapshots++;
      s.model = new DashboardModel({ clock: snap.clock });
      s.model.apply(snap.batch, snap.details);
      s.lastLine = Math.max(0, ...snap.batch.line);
    },
    delta(batch, details) {
      s.deltas++;
      s.model!.apply(batch, details);
      s.lastLine = Math.max(s.lastLine, ...batch.line);
    },
    replayStatus: (st) => s.statuses.push(st),
    warn: (m) => s.warnings.push(m),
  };
  return { s, sink };
}

/** The dashboard of the log as the reader reads it now: the full recomputation to compare with. */
async function fromLog(file: string, clock: { slotSeconds: number; genesis: number }): Promise<DashboardModel> {
  const entries = [];
  const recent = new RecentRecords();
  for await (const e of readLog(file)) {
    entries.push(e);
    recent.push(e);
  }
  const m = new DashboardModel({ clock });
  m.apply(encodeBatch(entries), recent.details());
  return m;
}

test('live: snapshot then appended lines (rewrites and a torn write included) equal a fresh read of the log', async (t) => {
  const { dir, done } = tempDir();
  const file = path.join(dir, 'missed_blocks.jsonl');
  const lines = randomLog(77, 900);
  writeFileSync(file, text(lines.slice(0, 400)));
  const { s, sink } = webview();
  const feed = new LiveFeed({ file, sink, slotSeconds: 12, flushMs: 10 });
  t.after(() => feed.stop());
  await feed.start();
  assert.equal(s.snapshots, 1);
  assert.equal(s.lastLine, 400);
  const rnd = prng(3);
  for (let i = 400; i < lines.length; ) {
    const n = 1 + Math.floor(rnd() * 60);
    const chunk = text(lines.slice(i, i + n));
    // Half the time the chunk lands in two writes, cut mid-line.
    const cut = rnd() < 0.5 ? Math.floor(chunk.length / 2) : chunk.length;
    appendFileSync(file, chunk.slice(0, cut));
    if (cut < chunk.length) appendFileSync(file, chunk.slice(cut));
    i += n;
  }
  await waitFor('every appended line applied', () => s.lastLine === lines.length, { timeoutMs: 15_000 });
  assert.ok(s.deltas > 0);
  const full = await fromLog(file, s.model!.options.clock);
  assert.deepEqual(s.model!.view(), full.view());
  assert.equal(s.model!.size, full.size);
  assert.deepEqual(s.warnings, []);
  done();
});

test('live: after a rotation the log (its .gz part and the new file) is read again, lines renumbered', async (t) => {
  const { dir, done } = tempDir();
  t.after(done);
  const file = path.join(dir, 'missed_blocks.jsonl');
  const lines = randomLog(8, 300);
  writeFileSync(file, text(lines.slice(0, 200)));
  const { s, sink } = webview();
  const feed = new LiveFeed({ file, sink, slotSeconds: 12, flushMs: 10 });
  t.after(() => feed.stop());
  await feed.start();
  // What the writer does: the full file becomes a gzip sibling, a new one starts.
  const rotated = path.join(dir, 'missed_blocks.20250101T000000.jsonl.gz');
  writeFileSync(rotated, gzipSync(text(lines.slice(0, 200))));
  renameSync(file, path.join(dir, 'gone.tmp'));
  writeFileSync(file, text(lines.slice(200)));
  const full = (await fromLog(file, s.model!.options.clock)).view();
  await waitFor('the dashboard of the rotated log', () => s.snapshots >= 2 && isDeepStrictEqual(s.model!.view(), full), { timeoutMs: 15_000 });
  const newest = s.model!.view().recent[0];
  assert.equal(newest.file, file, 'new records point at the new file');
  assert.ok(newest.line <= 100, 'with their line in the new file');
  assert.ok([...s.model!.matching()].some((r) => r.file === rotated), 'older ones at the .gz part');
});

test('live: a log that does not exist yet is empty, then followed once it appears', async (t) => {
  const { dir, done } = tempDir();
  const file = path.join(dir, 'missed_blocks.jsonl');
  const { s, sink } = webview();
  const feed = new LiveFeed({ file, sink, slotSeconds: 12, flushMs: 10 });
  t.after(() => feed.stop());
  await feed.start();
  assert.equal(s.model!.size, 0);
  writeFileSync(file, text([base(1), base(2)]));
  await waitFor('records of the new file', () => s.model!.size === 2, { timeoutMs: 10_000 });
  assert.deepEqual(s.warnings, []);
  done();
});

test('replay: every line in file order, rewrites included, from a rotated .gz; ends equal to the log', async () => {
  const { dir, done } = tempDir();
  const file = path.join(dir, 'missed_blocks.20250102T000000.jsonl.gz');
  const lines = randomLog(21, 700);
  writeFileSync(file, gzipSync(text(lines)));
  const { s, sink } = webview();
  const player = new ReplayPlayer({ file, sink, slotSeconds: 12, speed: 0, tickMs: 5 });
  await player.start();
  assert.equal(s.model!.size, 0, 'starts empty');
  await waitFor('replay done', () => s.statuses.at(-1)?.state === 'done', { timeoutMs: 15_000 });
  assert.equal(s.statuses.at(-1)!.played, lines.length, 'every line, rewrites included');
  assert.equal(s.model!.options.clock.genesis, T0, 'heatmap clock found from a missed slot read ahead');
  const full = await fromLog(file, s.model!.options.clock);
  assert.deepEqual(s.model!.view(), full.view());
  await player.stop();
  done();
});

test('replay: paced by the log clock times the speed; long quiet stretches are skipped; pause holds', async () => {
  const { dir, done } = tempDir();
  const file = path.join(dir, 'missed_blocks.jsonl');
  // 11 lines a second apart, then one a day later.
  const lines = Array.from({ length: 11 }, (_, i) => base(100 + i, { timestamp: T0 + i }));
  lines.push(base(500, { timestamp: T0 + 86_400 }));
  writeFileSync(file, text(lines));
  const { s, sink } = webview();
  const player = new ReplayPlayer({ file, sink, slotSeconds: 12, speed: 20, tickMs: 10 });
  const t0 = Date.now();
  await player.start();
  await waitFor('replay done', () => s.statuses.at(-1)?.state === 'done', { timeoutMs: 10_000 });
  const elapsed = Date.now() - t0;
  // 10 s of log at 20× is 0.5 s; the day of silence costs at most MAX_IDLE (2 s), not 72 min.
  assert.ok(elapsed >= 450, `not faster than the log clock allows (${elapsed} ms)`);
  assert.ok(elapsed < 6_000, `quiet stretch skipped (${elapsed} ms)`);
  assert.equal(s.model!.size, 12);
  await player.stop();

  const b = webview();
  const slow = new ReplayPlayer({ file, sink: b.sink, slotSeconds: 12, speed: 1, tickMs: 10 });
  await slow.start();
  slow.control({ action: 'pause' });
  assert.equal(b.s.statuses.at(-1)?.state, 'paused');
  const held = b.s.model!.size;
  // Paused at full speed: a player that kept ticking would play everything in its next tick. A
  // second player with the same tick, run to the end meanwhile, is the event that time has passed.
  slow.control({ action: 'speed', speed: 0 });
  const c = webview();
  const ref = new ReplayPlayer({ file, sink: c.sink, slotSeconds: 12, speed: 0, tickMs: 10 });
  await ref.start();
  await waitFor('the reference replay done', () => c.s.statuses.at(-1)?.state === 'done', { timeoutMs: 10_000 });
  assert.equal(c.s.model!.size, 12);
  await ref.stop();
  assert.equal(b.s.model!.size, held, 'nothing played while paused');
  assert.equal(b.s.statuses.at(-1)?.state, 'paused');
  slow.control({ action: 'resume' });
  await waitFor('done after resume at full speed', () => b.s.statuses.at(-1)?.state === 'done', { timeoutMs: 10_000 });
  assert.equal(b.s.model!.size, 12);
  await slow.stop();
  done();
});
