// Expectation files followed as they change (what the editor does with *.expect.jsonl while it
// monitors), on a real anvil: each save judges only the lines not judged before, a bad line is
// named and does not stop the good ones, and the missed transactions' records are handed on.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { MissedBlock } from '../../src/core/model';
import { HttpRpcClient } from '../../src/node/chain/rpc';
import { ExpectFiles } from '../../src/node/expect/files';
import { startAnvil, stopAllAnvils } from '../helpers/anvil';
import { devWallet, mineWith, signTx } from '../helpers/txs';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  await stopAllAnvils();
});

describe('followed expectation files', () => {
  test('a save judges the new lines only; bad lines are named, good ones still judged', async () => {
    const node = await startAnvil({ extraArgs: ['--no-mining'] });
    const dir = mkdtempSync(path.join(tmpdir(), 'mbm-expect-files-'));
    dirs.push(dir);
    const file = path.join(dir, 'bundles.expect.jsonl');
    const landed = await signTx(devWallet(0), { nonce: 0, to: devWallet(1).address, value: 1n });
    const ahead = await signTx(devWallet(2), { nonce: 4, to: devWallet(1).address, value: 1n });
    const behind = await signTx(devWallet(3), { nonce: 0, to: devWallet(1).address, value: 1n });
    const n = await mineWith(node, [landed.raw]);
    const got: MissedBlock[] = [];
    const files = new ExpectFiles({ rpc: new HttpRpcClient(node.url), alertThreshold: 5, confirmations: 0, waitTimeoutMs: 10_000, onRecords: (rs) => got.push(...rs) });

    writeFileSync(file, `${JSON.stringify({ block: n, raw: landed.raw })}\n${JSON.stringify({ block: n, raw: ahead.raw })}\n`);
    const first = await files.judgeFile(file);
    assert.deepEqual([first.judged, first.included, first.missed, first.errors], [2, 1, 1, []]);
    assert.deepEqual(got.map((r) => [r.reason, r.metadata.tx_hash]), [['NonceMismatch', ahead.hash]]);

    appendFileSync(file, `{"block": "soon"}\n${JSON.stringify({ block: n, raw: '0xdead' })}\n${JSON.stringify({ block: n, raw: behind.raw })}\n`);
    const second = await files.judgeFile(file);
    assert.deepEqual(second.errors.map((e) => e.line), [3, 4]);
    assert.deepEqual([second.judged, second.missed], [1, 1]);
    assert.deepEqual(got.map((r) => r.metadata.tx_hash), [ahead.hash, behind.hash]);

    const third = await files.judgeFile(file);
    assert.deepEqual([third.judged, third.missed], [0, 0]);
    assert.equal(got.length, 2);
  });
});
