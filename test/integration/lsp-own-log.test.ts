// A log the monitor writes opens in the editor with no diagnostics: MonitorService against a real
// anvil whose chain clock runs 30 s ahead of the wall clock (as a node mining ahead, or skipped slots,
// make it), with missed slots and a mining pause; the log it wrote goes through the real language
// server. Before, every record of it drew "timestamp is N s before expected_timestamp".
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { startAnvil, stopAllAnvils } from '../helpers/anvil';
import { guardProcess } from '../helpers/guard';
import { startLspServer, type LspSession } from '../helpers/lspServer';
import { latestBlock, mineAt, mineSteady, readLog, removeDir, startService, type Running } from '../helpers/service';

guardProcess();
const runs: Running[] = [];
let lsp: LspSession | undefined;
after(async () => {
  for (const r of runs) {
    await r.stop();
    removeDir(r.dir);
  }
  await lsp?.stop();
  await stopAllAnvils();
});

test('a watch log written by MonitorService against anvil (missed slots, a stall) opens with zero diagnostics', async () => {
  const node = await startAnvil();
  await mineAt(node, Math.floor(Date.now() / 1000) + 30);
  await mineSteady(node, 2);
  const run = await startService({ urls: [node.wsUrl], monitoring: { maxBlockDelayMs: 1_500, alertThreshold: 100 } });
  runs.push(run);
  await run.head(3);
  const t = (await latestBlock(node)).timestamp;
  assert.equal(await mineAt(node, t + 3), 4); // slots t+1, t+2 empty
  await run.until('two missed slots', (rs) => rs.filter((r) => r.kind === 'missed_slot').length === 2);
  await run.until('the stall record for block 5', (rs) => rs.some((r) => r.kind === 'delayed' && r.block_number === 5));
  await mineSteady(node, 1);
  await run.until('the stall record closed by block 5', (rs) => rs.some((r) => r.kind === 'delayed' && r.metadata.arrived_at !== undefined));
  await run.stop();

  const records = readLog(run.logPath);
  const kinds = [...new Set(records.map((r) => r.kind))].sort();
  assert.deepEqual(kinds, ['delayed', 'missed_slot']);
  // The two clocks differ as in the field: every record was written before the chain's expected time.
  assert.ok(records.every((r) => r.timestamp < r.expected_timestamp), 'detection (wall clock) before expected (chain clock)');

  lsp = await startLspServer();
  const uri = pathToFileURL(run.logPath).href;
  const text = readFileSync(run.logPath, 'utf8');
  lsp.open(uri, text);
  assert.deepEqual(await lsp.diagnostics(uri, 1), [], `${text.trim().split('\n').length} lines`);
});
