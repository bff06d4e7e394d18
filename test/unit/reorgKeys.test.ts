// Two reorgs at one height are two events: every reader keys a reorg (and a chain reset) by the
// hash it replaced too, so the log reader, the export (in-thread and in a worker), the report, the
// store's key columns, the dashboard wire and the language server all keep both — and still
// collapse a rewrite of one of them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { recordKey, toLogLine, type MissedBlock } from '../../src/core/model';
import { buildReport } from '../../src/core/report';
import { readLog } from '../../src/node/log/reader';
import { exportLog } from '../../src/node/export/exportLog';
import { rowFromRecord, rowKey } from '../../src/node/store/rows';
import { decodeRow, encodeBatch } from '../../src/common/dashboard/wire';
import { analyzeLine } from '../../src/lsp/lineEntry';
import { LogDocument } from '../../src/lsp/documentModel';
import { streakIndexOf } from '../../src/lsp/streakIndex';
import { documentDiagnostics } from '../../src/lsp/diagnostics';

const H = (c: string) => `0x${c.repeat(64)}`;

function rec(over: Partial<MissedBlock>): MissedBlock {
  return {
    timestamp: 1_700_000_000,
    block_number: 7,
    reason: 'ChainReorg',
    severity: 'Medium',
    expected_timestamp: 1_700_000_000,
    actual_timestamp: 1_700_000_000,
    recovery_attempts: 0,
    recovered: false,
    metadata: {},
    alert_sent: false,
    kind: 'reorg',
    ...over,
  };
}

// Block 7 replaced twice (first a, then b), the first reorg's record rewritten deeper, a chain reset
// and a gap at the same number.
const LINES = [
  rec({ block_hash: H('a'), reorg_depth: 1 }),
  rec({ block_hash: H('b'), reorg_depth: 1, timestamp: 1_700_000_012 }),
  rec({ block_hash: H('a'), reorg_depth: 2, severity: 'High' }),
  rec({ kind: 'chain_reset', reason: 'Unknown', severity: 'High', block_hash: H('c') }),
  rec({ kind: 'gap', reason: 'Unknown' }),
];
const brief = (r: MissedBlock) => `${r.block_number} ${r.kind}${r.block_hash ? ` ${r.block_hash[2]}` : ''}${r.reorg_depth ? ` depth ${r.reorg_depth}` : ''}`;

function withLog(fn: (file: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-keys-'));
  const file = path.join(dir, 'missed_blocks.jsonl');
  writeFileSync(file, LINES.map((r) => `${toLogLine(r)}\n`).join(''));
  return fn(file).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('recordKey tells reorgs and resets apart by the replaced hash', () => {
  assert.deepEqual(LINES.map(recordKey), [`7:reorg:${H('a')}`, `7:reorg:${H('b')}`, `7:reorg:${H('a')}`, `7:chain_reset:${H('c')}`, '7:gap']);
  assert.equal(recordKey({ block_number: 7, kind: 'reorg' }), '7:reorg', 'a foreign reorg line without a hash keeps the old key');
});

test('the log reader keeps both reorgs, the rewrite collapsed', async () => {
  await withLog(async (file) => {
    const got: string[] = [];
    for await (const e of readLog(file)) got.push(brief(e.record));
    assert.deepEqual(got.sort(), ['7 chain_reset c', '7 gap', '7 reorg a depth 2', '7 reorg b depth 1']);
  });
});

for (const workers of [0, 1]) {
  test(`the CSV export has one row per event (${workers ? 'worker thread' : 'in-thread'})`, async () => {
    await withLog(async (file) => {
      const chunks: Buffer[] = [];
      const out = new Writable({ write: (c, _e, cb) => (chunks.push(Buffer.from(c)), cb()) });
      const res = await exportLog(file, { format: 'csv', out, workers });
      assert.equal(res.records, 4);
      const rows = Buffer.concat(chunks).toString().trim().split('\n').slice(1);
      assert.equal(rows.length, 4);
    });
  });
}

test('the report counts two reorgs and one chain reset', () => {
  const last = new Map(LINES.map((r) => [recordKey(r), r]));
  const r = buildReport(last.values());
  assert.deepEqual([r.by_kind.reorg, r.by_kind.chain_reset, r.by_kind.gap], [2, 1, 1]);
});

test("the store's key columns, the dashboard wire and the language server agree", () => {
  const storeKeys = LINES.map((r) => {
    const row = rowFromRecord(r, toLogLine(r));
    assert.ok(!('error' in row));
    return rowKey(row as Exclude<typeof row, { error: string }>);
  });
  assert.equal(new Set(storeKeys).size, 4);
  assert.equal(storeKeys[0], storeKeys[2], 'the rewrite upserts the same row');
  const batch = encodeBatch(LINES.map((record) => ({ record, file: 'f', line: 1 })));
  const wireKeys = LINES.map((_, i) => decodeRow(batch, i).key);
  assert.deepEqual(wireKeys, LINES.map(recordKey));
  const lspKeys = LINES.map((r) => {
    const e = analyzeLine(toLogLine(r), false);
    assert.equal(e.state, 'record');
    assert.equal(e.state === 'record' && e.warnings, undefined, 'no timestamp warnings');
    return e.state === 'record' ? e.record.key : undefined;
  });
  // Numeric (block × 4 + kind) where that is the whole key, as the reader's keyscan does.
  assert.deepEqual(lspKeys, [...LINES.slice(0, 4).map(recordKey), 7 * 4]);
});

test('a chain reset is in no streak: the report, the language server and its diagnostics', async () => {
  const gap = (n: number) => rec({ block_number: n, kind: 'gap', reason: 'Unknown', block_hash: undefined });
  const reset = rec({ block_number: 6, kind: 'chain_reset', reason: 'Unknown', severity: 'High', block_hash: H('c') });
  const records = [gap(5), reset, gap(7)];
  const r = buildReport(records);
  assert.deepEqual([r.longest_streak, r.streaks.length], [1, 2], 'gaps at 5 and 7 are not joined through the reset at 6');
  for (const text of [records.map(toLogLine).join('\n'), toLogLine(reset)]) {
    const doc = new LogDocument('file:///t.mbl.jsonl', 1, `${text}\n`, () => {});
    await doc.whenParsed();
    const index = streakIndexOf(doc);
    assert.equal(index.groups.every((g) => g.streak.length === 1), true);
    assert.equal(index.groupOfLine(text.split('\n').indexOf(toLogLine(reset))), undefined, 'the reset line is in no streak');
    assert.deepEqual(documentDiagnostics(doc), [], 'no warnings on a log the monitor writes');
  }
});
