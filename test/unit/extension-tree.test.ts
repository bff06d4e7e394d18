import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildReport } from '../../src/core/report';
import type { LiveInfo } from '../../src/extension/model/live';
import { summarize } from '../../src/extension/model/summary';
import { buildTree, type LogInput, type TreeNode } from '../../src/extension/model/treeModel';
import { entriesOf, rec, T0 } from '../helpers/extensionRecords';

const FILE = '/ws/logs/missed_blocks.jsonl';
const opts = { alertThreshold: 3, restricted: false, time: { locale: 'en-GB', timeZone: 'Europe/Berlin' } };

// Streaks: 10–12 (3, reaches the threshold), 20 (1), 30–31 (2, open: nothing recovered).
const records = [
  rec(10, { severity: 'Low', recovered: true, recovery_attempts: 1, recovery_ms: 800 }),
  rec(11, { reason: 'ConnectionLost', severity: 'High' }),
  rec(12, { reason: 'ConnectionLost', severity: 'Critical', kind: 'missed_slot', slot: 7 }),
  rec(20, { reason: 'ChainReorg', kind: 'reorg', reorg_depth: 2 }),
  rec(30, { source: '127.0.0.1:8545' }),
  rec(31, { source: '127.0.0.1:8545' }),
];

function input(file = FILE, recs = records, live?: LiveInfo): LogInput {
  const entries = entriesOf(file, recs);
  return {
    view: { file, displayName: 'logs/missed_blocks.jsonl', badLines: 0, live },
    entries,
    summary: summarize(entries, { alertThreshold: 3, headBlock: live?.head, now: T0 }),
  };
}

const find = (nodes: TreeNode[], label: string) => nodes.find((n) => n.label === label);
const child = (node: TreeNode | undefined, label: string) => node?.children?.find((n) => n.label === label);

test('one log: the five sections at the root, Status and By Severity expanded', () => {
  const roots = buildTree([input()], opts);
  assert.deepEqual(roots.map((n) => n.label), ['Status', 'By Severity', 'By Reason', 'Streaks', 'Recent']);
  assert.deepEqual(roots.map((n) => n.state), ['expanded', 'expanded', 'collapsed', 'collapsed', 'collapsed']);
});

test('no log: no roots (the welcome view shows)', () => {
  assert.deepEqual(buildTree([], opts), []);
});

test('Status of a log another process writes: counts from the log, live-only values as —', () => {
  const status = find(buildTree([input()], opts), 'Status')!;
  const rows = Object.fromEntries(status.children!.map((n) => [n.label, n.description]));
  assert.deepEqual(rows, {
    Connection: 'not monitored in this window',
    Source: '127.0.0.1:8545',
    Head: '—',
    'Current streak': '2',
    'Longest streak': '3',
    Missed: '—',
    Recovered: '16.67% (1 of 6)',
  });
  assert.equal(child(status, 'Current streak')!.ariaLabel, 'Current streak: 2');
});

test('Status of the log this window monitors shows connection, head and missed %', () => {
  const live: LiveInfo = { logFile: FILE, connection: 'down', downReason: 'ConnectionLost', source: '127.0.0.1:8545', head: 40, missedRate: 4.5 };
  const status = find(buildTree([input(FILE, records, live)], opts), 'Status')!;
  assert.equal(child(status, 'Connection')!.description, 'down (ConnectionLost)');
  assert.equal(child(status, 'Head')!.description, '#40');
  assert.equal(child(status, 'Missed')!.description, '4.50%');
  // Head 40 is past the streak 30–31: no streak is current any more.
  assert.equal(child(status, 'Current streak')!.description, '0');
});

test('Restricted Mode says why nothing connects', () => {
  const status = find(buildTree([input()], { ...opts, restricted: true }), 'Status')!;
  assert.equal(child(status, 'Connection')!.description, 'Restricted Mode (not connecting)');
});

test('the numbers are the ones `mbm report` gives for these records (both pinned to literals)', () => {
  // Streaks 10–12 (3), 20 (1), 30–31 (2, current); severities and reasons counted by hand above.
  const bySeverity = { Critical: 1, High: 1, Medium: 3, Low: 1 };
  const byReason = { NetworkLatency: 3, ConnectionLost: 2, ChainReorg: 1 };
  const roots = buildTree([input()], opts);
  const status = find(roots, 'Status')!;
  assert.equal(child(status, 'Current streak')!.description, '2');
  assert.equal(child(status, 'Longest streak')!.description, '3');
  const sev = find(roots, 'By Severity')!;
  assert.deepEqual(Object.fromEntries(sev.children!.map((n) => [n.label, Number(n.description)])), bySeverity);
  const reasons = find(roots, 'By Reason')!;
  assert.deepEqual(Object.fromEntries(reasons.children!.map((n) => [n.label, Number(n.description)])), byReason);
  // Runs of two or more: #10–#12 and #30–#31; the lone #20 is a run of 1, not listed.
  assert.equal(find(roots, 'Streaks')!.children!.length, 2);
  assert.equal(find(roots, 'Streaks')!.description, '2');
  // `mbm report`'s numbers for the same records are the same literals.
  const report = buildReport(records);
  assert.deepEqual([report.current_streak, report.longest_streak], [2, 3]);
  assert.deepEqual(Object.fromEntries(Object.entries(report.by_severity).filter(([, n]) => n > 0)), bySeverity);
  assert.deepEqual(Object.fromEntries(Object.entries(report.by_reason).filter(([, n]) => n > 0)), byReason);
});

test('By Severity lists all four, most severe first, each coloured; records open at their line', () => {
  const sev = find(buildTree([input()], opts), 'By Severity')!;
  assert.deepEqual(sev.children!.map((n) => [n.label, n.description]), [['Critical', '1'], ['High', '1'], ['Medium', '3'], ['Low', '1']]);
  assert.deepEqual(sev.children!.map((n) => n.icon), [
    { id: 'error', color: 'charts.red' },
    { id: 'warning', color: 'charts.orange' },
    { id: 'warning', color: 'charts.yellow' },
    { id: 'info', color: 'charts.blue' },
  ]);
  const crit = child(sev, 'Critical')!.children![0];
  assert.equal(crit.label, '#12');
  assert.equal(crit.description, 'missed_slot slot 7 at 22:15:14 UTC · Critical · ConnectionLost');
  assert.deepEqual(crit.open, { file: FILE, line: 3 });
  // A recovered record keeps its severity colour but shows a check.
  assert.deepEqual(child(sev, 'Low')!.children![0].icon, { id: 'pass', color: 'charts.blue' });
});

test('By Reason is ordered by count', () => {
  const reasons = find(buildTree([input()], opts), 'By Reason')!;
  assert.deepEqual(reasons.children!.map((n) => [n.label, n.description]), [['NetworkLatency', '3'], ['ConnectionLost', '2'], ['ChainReorg', '1']]);
});

test('Streaks: newest first, with range, length and duration; the open one says current', () => {
  const streaks = find(buildTree([input()], opts), 'Streaks')!;
  assert.deepEqual(streaks.children!.map((n) => [n.label, n.description]), [
    ['#30–#31', '2 missed · 12 s · current'],
    ['#10–#12', '3 missed · 24 s'],
  ]);
  const first = streaks.children![1];
  assert.deepEqual(first.open, { file: FILE, line: 1 });
  assert.deepEqual(first.children!.map((n) => n.label).sort(), ['#10', '#11', '#12']);
  assert.match(first.tooltip!, /Reached the alert threshold \(3\)/);
});

test('tooltips give UTC and local time', () => {
  const recent = find(buildTree([input()], opts), 'Recent')!;
  const r31 = recent.children![0];
  assert.equal(r31.label, '#31');
  const t = T0 + 31 * 12; // 2023-11-14 22:19:32 UTC
  assert.equal(new Date(t * 1000).toISOString(), '2023-11-14T22:19:32.000Z');
  assert.match(r31.tooltip!, /Detected: 2023-11-14 22:19:32 UTC \(14\/11\/2023, 23:19:32 CET\)/);
  assert.match(r31.tooltip!, /Line 6/);
});

test('text from the log is neutralised and cut: no control characters, no markup meaning', () => {
  const evil = rec(50, {
    source: 'x\u001b[31m\u202eevil' + 'y'.repeat(300),
    metadata: { '<img src=x onerror=alert(1)>': '**bold** [link](command:workbench.action.quit)\n' },
  });
  const roots = buildTree([input(FILE, [evil])], opts);
  const texts: string[] = [];
  const walk = (ns: TreeNode[]) => ns.forEach((n) => (texts.push(n.label, n.description ?? '', n.ariaLabel, ...(n.tooltip ?? '').split('\n')), walk(n.children ?? [])));
  walk(roots);
  assert.ok(texts.some((t) => t.includes('x?[31m?evil')), 'the hostile source is shown, neutralised');
  for (const t of texts) assert.ok(!/[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/.test(t), `no control or bidi characters in ${JSON.stringify(t)}`);
  const source = child(find(roots, 'Status'), 'Source')!.description!;
  assert.ok(source.length <= 80 && source.endsWith('…'));
  // Tooltips are plain strings; tree.ts never wraps them in MarkdownString.
  const rec50 = find(roots, 'Recent')!.children![0];
  assert.equal(typeof rec50.tooltip, 'string');
});

test('several logs: one expanded root per log, ids unique across the whole tree', () => {
  const other = '/ws/relay/out.mbl.jsonl';
  const roots = buildTree([input(), input(other, [rec(5)])], opts);
  assert.equal(roots.length, 2);
  assert.deepEqual(roots.map((r) => r.state), ['expanded', 'expanded']);
  const ids: string[] = [];
  const walk = (ns: TreeNode[]) => ns.forEach((n) => (ids.push(n.id), walk(n.children ?? [])));
  walk(roots);
  assert.equal(new Set(ids).size, ids.length);
});

test('an unknown severity from a newer writer still shows, after the known ones', () => {
  const sev = find(buildTree([input(FILE, [rec(1, { severity: 'Catastrophic' as never })])], opts), 'By Severity')!;
  assert.deepEqual(sev.children!.map((n) => n.label), ['Critical', 'High', 'Medium', 'Low', 'Catastrophic']);
});

test('missed transactions: a Transactions section when the log has any, one row per transaction even in one block', () => {
  const h1 = `0x${'1a'.repeat(32)}`;
  const h2 = `0x${'2b'.repeat(32)}`;
  const txs = [
    rec(40, { kind: 'tx_missed', reason: 'NonceMismatch', severity: 'High', metadata: { tx_hash: h1, bundle: 'b1' } }),
    rec(40, { kind: 'tx_missed', reason: 'ContractRevert', severity: 'High', metadata: { tx_hash: h2, bundle: 'b1' } }),
  ];
  const roots = buildTree([input(FILE, [...records, ...txs])], opts);
  assert.deepEqual(roots.map((n) => n.label), ['Status', 'By Severity', 'By Reason', 'Streaks', 'Recent', 'Transactions']);
  const section = find(roots, 'Transactions')!;
  assert.equal(section.description, '2 missed transactions');
  assert.deepEqual(section.children!.map((n) => [n.label, n.description]), [
    ['#40', 'tx 0x2b2b2b2b… · bundle b1 · High · ContractRevert'],
    ['#40', 'tx 0x1a1a1a1a… · bundle b1 · High · NonceMismatch'],
  ]);
  const ids = roots.flatMap(function all(n: TreeNode): string[] {
    return [n.id, ...(n.children ?? []).flatMap(all)];
  });
  assert.equal(new Set(ids).size, ids.length, 'tree ids are unique');
});

test('Connection row: "stopped at <local time>" after Stop Monitoring; "not monitored" for a window that never started', () => {
  const stopped = input();
  stopped.view.stoppedAt = (T0 + 31 * 12) * 1000; // 2023-11-14 22:19:32 UTC
  const conn = (l: LogInput) => child(find(buildTree([l], opts), 'Status'), 'Connection')!.description;
  assert.equal(conn(stopped), 'stopped at 14/11/2023, 23:19:32 CET');
  assert.equal(conn(input()), 'not monitored in this window');
});

test('[[chains]]: one log per chain, each root says its chain, and its Status has a Chain row', () => {
  const alpha = input('/ws/logs/missed_blocks.alpha.jsonl', [rec(5, { chain_id: 1001 }), rec(6, { chain_id: 1001 })]);
  const beta = input('/ws/logs/missed_blocks.beta.jsonl', [rec(5, { chain_id: 1002 })]);
  const roots = buildTree([alpha, beta], opts);
  assert.deepEqual(roots.map((n) => n.description), ['chain 1001 · 2 records', 'chain 1002 · 1 record']);
  assert.equal(child(child(roots[1], 'Status'), 'Chain')!.description, '1002');
  // A log of records from several chains lists them; a log whose records name none has no Chain row.
  const mixed = input(FILE, [rec(1, { chain_id: 10 }), rec(2, { chain_id: 1 })]);
  assert.equal(child(find(buildTree([mixed], opts), 'Status'), 'Chain')!.description, '1, 10');
  assert.equal(child(find(buildTree([input()], opts), 'Status'), 'Chain'), undefined);
});

test('Status shows the early warning: "at risk" with the top reasons as rows; a low risk only its score; none without [risk]', () => {
  const base: LiveInfo = { logFile: FILE, connection: 'up', source: '127.0.0.1:8545', head: 40, missedRate: 0 };
  const at: LiveInfo = { ...base, risk: { source: '127.0.0.1:8546', score: 0.824, threshold: 0.7, above: 3, reasons: ['head 3 blocks behind peers', 'head lag growing'] } };
  const status = find(buildTree([input(FILE, records, at)], opts), 'Status')!;
  const risk = child(status, 'Risk')!;
  assert.equal(risk.description, 'at risk (0.82): head 3 blocks behind peers; head lag growing');
  assert.equal(risk.ariaLabel, 'Risk: at risk (0.82): head 3 blocks behind peers; head lag growing');
  assert.equal(risk.state, 'expanded');
  assert.deepEqual(risk.icon, { id: 'warning', color: 'charts.yellow' });
  assert.deepEqual(risk.children!.map((n) => n.label), ['head 3 blocks behind peers', 'head lag growing']);
  assert.equal(risk.tooltip, 'Chance of a missed block within the next few slots: 0.82 (at risk from 0.7).\nAt risk for 3 rounds (about one per slot).\nStrongest signals: head 3 blocks behind peers; head lag growing.\nEndpoint: 127.0.0.1:8546.');

  const low: LiveInfo = { ...base, risk: { source: '127.0.0.1:8545', score: 0.12, threshold: 0.7, above: 0, reasons: [] } };
  const lowRow = child(find(buildTree([input(FILE, records, low)], opts), 'Status')!, 'Risk')!;
  assert.equal(lowRow.description, 'low (0.12)');
  assert.equal(lowRow.state, 'none');
  assert.equal(child(find(buildTree([input(FILE, records, base)], opts), 'Status')!, 'Risk'), undefined);
  // A stopped run no longer claims a risk.
  assert.equal(child(find(buildTree([input(FILE, records, { ...at, connection: 'stopped' })], opts), 'Status')!, 'Risk'), undefined);
});
