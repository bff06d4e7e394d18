// POST /expect on the API over a live MonitorService on a real anvil: the bearer token is required
// as on every route, bad input is a 400 naming its lines, and a missed transaction's record goes
// through the monitor — into its log and into mev_relay_blocks_missed_total{reason}.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Interface } from 'ethers';
import { startLiveApi } from '../../src/node/api/liveProvider';
import { startAnvil } from '../helpers/anvil';
import { get, parseExposition } from '../helpers/http';
import { readLog, startService } from '../helpers/service';
import { serviceRuns } from '../helpers/serviceRuns';
import { compileFixture } from '../helpers/solidity';
import { devWallet, mineWith, signTx } from '../helpers/txs';
import { waitFor } from '../helpers/wait';

const { runs, apis } = serviceRuns({ guard: false });

const TOKEN = 'expect-test-token';
const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', body, headers: { authorization: `Bearer ${TOKEN}`, ...headers } }).then(async (r) => ({ status: r.status, body: await r.text() }));

describe('POST /expect', () => {
  test('token rules, 400 with line numbers, and the four transaction reasons in the log and the metrics', async () => {
    const node = await startAnvil({ extraArgs: ['--no-mining', '--gas-limit', '1000000'] });
    const reverter = compileFixture('Reverter.sol', 'Reverter');
    const deploy = await signTx(devWallet(9), { nonce: 0, to: null, data: reverter.bytecode, gasLimit: 900_000n });
    await mineWith(node, [deploy.raw]);
    const { contractAddress } = await node.rpc<{ contractAddress: string }>('eth_getTransactionReceipt', [deploy.hash]);
    const run = await startService({ urls: [node.url] });
    runs.push(run);
    const api = await startLiveApi(run.svc, { port: 0, token: TOKEN, expect: { confirmations: 0, waitTimeoutMs: 10_000, alertThreshold: 5 } });
    apis.push(api);
    const url = `${api.url}/expect`;

    assert.equal((await fetch(url, { method: 'POST', body: '{}' })).status, 401);
    assert.equal((await get(url, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 405);
    const bad = await post(url, '{"block": 1, "raw": "0x00"}\n{"block": "soon", "raw": "0x00"}\n');
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error, /^line 2: "block" must be a whole number ≥ 0 or "next", got "soon"$/);

    await node.rpc('anvil_setBalance', [devWallet(3).address, '0x64']); // 100 wei
    const txs = await Promise.all([
      signTx(devWallet(1), { nonce: 1, to: devWallet(2).address, value: 1n }), // NonceMismatch
      signTx(devWallet(3), { nonce: 0, to: devWallet(2).address, value: 1n }), // InsufficientFunds
      signTx(devWallet(4), { nonce: 0, to: devWallet(2).address, value: 1n, gasLimit: 2_000_000n }), // GasLimitExceeded
      signTx(devWallet(5), { nonce: 0, to: contractAddress, data: new Interface(reverter.abi as never).encodeFunctionData('divide', [1, 0]), gasLimit: 100_000n }), // ContractRevert
    ]);
    const n = await mineWith(node);
    await run.head(n);
    const body = txs.map((t) => JSON.stringify({ block: n, raw: t.raw, bundle: 'api-1' })).join('\n');
    const res = await post(url, body);
    assert.equal(res.status, 200, res.body);
    const out = JSON.parse(res.body);
    assert.deepEqual([out.judged, out.included, out.missed], [4, 0, 4]);
    const reasons = ['NonceMismatch', 'InsufficientFunds', 'GasLimitExceeded', 'ContractRevert'];
    assert.deepEqual(out.records.map((r: { reason: string }) => r.reason), reasons);
    assert.equal(out.records[3].metadata.revert, 'Panic(0x12: division or modulo by zero)');

    await run.svc.flush();
    const logged = readLog(run.logPath).filter((r) => r.kind === 'tx_missed');
    assert.deepEqual(logged.map((r) => [r.reason, r.metadata.tx_hash, r.source]), txs.map((t, i) => [reasons[i], t.hash, `127.0.0.1:${node.port}`]));
    const metrics = await waitFor(async () => {
      const m = parseExposition((await get(`${api.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).body);
      return reasons.every((r) => m.get(`mev_relay_blocks_missed_total{reason="${r}"}`) === 1) ? m : undefined;
    }, { what: 'the four reasons counted once each in /metrics' });
    assert.equal(metrics.get('mev_relay_blocks_missed_total{reason="NonceMismatch"}'), 1);
  });
});
