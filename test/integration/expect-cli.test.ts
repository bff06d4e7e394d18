// `mbm expect` as a child process against a real anvil: exit 2 names the bad lines and judges
// nothing, exit 0 when every expected transaction landed, exit 1 when one missed — with its record
// in the log, valid against the schema.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { parseLogLine } from '../../src/node/log/validate';
import { startAnvil, stopAllAnvils, type Anvil } from '../helpers/anvil';
import { spawnMbm } from '../helpers/cli';
import { devWallet, mineWith, signTx } from '../helpers/txs';

const running = new Set<ChildProcess>();
let dir: string;
after(async () => {
  for (const c of running) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  await stopAllAnvils();
});

describe('mbm expect', () => {
  let node: Anvil;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mbm-expect-cli-'));
    node = await startAnvil({ extraArgs: ['--no-mining'] });
  });

  function run(name: string, lines: (object | string)[]) {
    const file = path.join(dir, `${name}.expect.jsonl`);
    const log = path.join(dir, `${name}.jsonl`);
    writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
    const child = spawnMbm(['expect', '--rpc', node.url, '--log', log, file], { running });
    return { child, log };
  }

  test('bad input exits 2, naming each bad line, and judges nothing', async () => {
    const t = await signTx(devWallet(0), { nonce: 9, to: devWallet(1).address, value: 1n });
    const { child, log } = run('bad', [{ block: 1, raw: t.raw }, { block: -1, raw: t.raw }, 'not json', { block: 1, hash: '0x12' }, { block: 1, raw: '0x1234' }]);
    assert.equal(await child.exited, 2);
    const err = child.stderr();
    assert.match(err, /line 2: "block" must be a whole number ≥ 0 or "next", got -1/);
    assert.match(err, /line 3: not JSON/);
    assert.match(err, /line 4: "hash" must be 0x and 64 hex digits, got "0x12"/);
    assert.equal(existsSync(log), false);
  });

  test('a raw transaction ethers cannot decode exits 2 with its line', async () => {
    const { child, log } = run('undecodable', [{ block: 1, raw: '0x1234' }]);
    assert.equal(await child.exited, 2);
    assert.match(child.stderr(), /line 1: "raw" is not a transaction ethers can decode/);
    assert.equal(existsSync(log), false);
  });

  test('every expected transaction landed: exit 0, nothing written', async () => {
    const t = await signTx(devWallet(2), { nonce: 0, to: devWallet(1).address, value: 1n });
    const n = await mineWith(node, [t.raw]);
    const { child, log } = run('landed', [{ block: n, raw: t.raw }]);
    assert.equal(await child.exited, 0, child.stderr());
    assert.match(child.stderr(), /1 judged, 1 included, 0 missed/);
    assert.equal(existsSync(log), false);
  });

  test('one missed: exit 1 and its tx_missed record in the log', async () => {
    const ok = await signTx(devWallet(3), { nonce: 0, to: devWallet(1).address, value: 1n });
    const ahead = await signTx(devWallet(4), { nonce: 3, to: devWallet(1).address, value: 1n });
    const n = await mineWith(node, [ok.raw]);
    const { child, log } = run('missed', [
      { block: n, raw: ok.raw },
      { block: n, raw: ahead.raw, bundle: 'b9' },
    ]);
    assert.equal(await child.exited, 1, child.stderr());
    assert.match(child.stdout(), new RegExp(`#${n} NonceMismatch ${ahead.hash} bundle b9: nonce 3, the sender's next nonce was 0`));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(lines.length, 1);
    const parsed = parseLogLine(lines[0]);
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const r = parsed.record;
    assert.deepEqual([r.kind, r.reason, r.block_number, r.metadata.tx_hash, r.metadata.expectation_line], ['tx_missed', 'NonceMismatch', n, ahead.hash, 2]);
  });
});
