import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotificationPolicy, recordEvents, thresholdEvent, type NoticeEvent } from '../../src/extension/model/notifyPolicy';
import { LogBook } from '../../src/extension/model/logBook';
import { summarize } from '../../src/extension/model/summary';
import { entriesOf, rec, T0 } from '../helpers/extensionRecords';

const FILE = '/ws/logs/missed_blocks.jsonl';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const ev = (key: string, critical = true): NoticeEvent => ({ kind: 'record', key, file: FILE, critical, message: `event ${key}.` });

test('a streak reaching alert_threshold is one event per streak; below it none', () => {
  const below = summarize(entriesOf(FILE, [rec(10), rec(11)]), { alertThreshold: 3, now: T0 });
  assert.equal(thresholdEvent(FILE, 'log', below, 3), undefined);
  const s = summarize(entriesOf(FILE, [rec(10), rec(11), rec(12)]), { alertThreshold: 3, now: T0 });
  const e = thresholdEvent(FILE, 'logs/missed_blocks.jsonl', s, 3)!;
  assert.equal(e.message, '3 missed blocks in a row (#10–#12) in logs/missed_blocks.jsonl: alert threshold 3 reached.');
  const longer = summarize(entriesOf(FILE, [rec(10), rec(11), rec(12), rec(13)]), { alertThreshold: 3, now: T0 });
  assert.equal(thresholdEvent(FILE, 'l', longer, 3)!.key, e.key, 'the same streak growing is the same event');
});

test('records at or above the minimum severity are events; the text is neutralised', () => {
  const entries = entriesOf(FILE, [rec(1, { severity: 'High' }), rec(2, { severity: 'Critical', reason: 'Timeout' }), rec(3, { severity: 'Low' })]);
  assert.deepEqual(recordEvents(FILE, 'log', entries, 'Critical').map((e) => e.message), ['Critical gap at block #2 (Timeout) in log.']);
  assert.equal(recordEvents(FILE, 'log', entries, 'High').length, 2);
  const evil = recordEvents(FILE, 'a\u001b]8;;x\u0007b', entries, 'Critical')[0];
  assert.ok(!/[\u0000-\u001f]/.test(evil.message));
});

test('the first event shows at once; the next within the interval waits and is folded in', () => {
  const c = clock();
  const p = new NotificationPolicy({ minIntervalMs: 30_000, now: c.now });
  const first = p.offer([ev('a')])!;
  assert.deepEqual(first, { message: 'event a.', file: FILE, level: 'error', count: 1 });
  assert.equal(p.offer([ev('b', false)]), undefined);
  assert.equal(p.offer([ev('c', false)]), undefined);
  assert.equal(p.dueIn(), 30_000);
  c.advance(10_000);
  assert.equal(p.flush(), undefined);
  assert.equal(p.dueIn(), 20_000);
  c.advance(20_000);
  assert.deepEqual(p.flush(), { message: 'event c. (+1 more)', file: FILE, level: 'warning', count: 2 });
  assert.equal(p.dueIn(), undefined);
});

test('an event is shown once, however often it is offered (a record rewritten with alert_sent)', () => {
  const c = clock();
  const p = new NotificationPolicy({ minIntervalMs: 0, now: c.now });
  assert.ok(p.offer([ev('a')]));
  assert.equal(p.offer([ev('a')]), undefined);
});

test('what a log held before the window opened is primed, never shown', () => {
  const p = new NotificationPolicy({ minIntervalMs: 0, now: clock().now });
  p.prime([ev('old')]);
  assert.equal(p.offer([ev('old')]), undefined);
  assert.ok(p.offer([ev('new')]));
});

test('muting notifications drops events until it ends, and they do not come back later', () => {
  const c = clock();
  const p = new NotificationPolicy({ minIntervalMs: 0, now: c.now });
  p.mute(3_600_000);
  assert.equal(p.offer([ev('a')]), undefined);
  assert.equal(p.mutedUntil, c.now() + 3_600_000);
  c.advance(3_600_001);
  assert.equal(p.mutedUntil, undefined);
  assert.equal(p.offer([ev('a')]), undefined, 'seen while muted');
  assert.ok(p.offer([ev('b')]));
});

test('a reached threshold is the headline when it comes with records', () => {
  const p = new NotificationPolicy({ minIntervalMs: 0, now: clock().now });
  const t: NoticeEvent = { kind: 'threshold', key: 't', file: FILE, critical: false, message: '5 missed blocks in a row.' };
  const n = p.offer([ev('r1'), t, ev('r2')])!;
  assert.equal(n.message, '5 missed blocks in a row. (+2 more)');
  assert.equal(n.level, 'error');
});

test('a 2-slot streak whose records are rewritten (alert_sent) in the same batch is one event per record: "+2 more", not "+4 more"', () => {
  const book = new LogBook();
  const slot = (n: number, over = {}) => rec(102, { kind: 'missed_slot', slot: n, severity: 'High', reason: 'Unknown', ...over });
  // What the watcher hands over in one batch: both lines, then both rewrites.
  const appended = [book.add(FILE, slot(40), 1), book.add(FILE, slot(41), 2), book.add(FILE, slot(40, { alert_sent: true }), 3), book.add(FILE, slot(41, { alert_sent: true }), 4)];
  const s = summarize(book.entries(FILE), { alertThreshold: 2, now: T0 });
  const events = [...recordEvents(FILE, 'log', appended, 'High'), thresholdEvent(FILE, 'log', s, 2)!];
  assert.equal(events.length, 5);
  const n = new NotificationPolicy({ minIntervalMs: 0, now: clock().now }).offer(events)!;
  assert.equal(n.message, '2 missed blocks in a row (#102) in log: alert threshold 2 reached. (+2 more)');
  assert.equal(n.count, 3);
});
