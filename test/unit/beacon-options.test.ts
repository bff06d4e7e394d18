// `mbm watch --beacon` / [beacon] into service options, and the per-proposer metric (watched only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { watchServiceOptions } from '../../src/cli/commands/watch';
import { ConfigError } from '../../src/core/config';
import { MissedBlockMetrics } from '../../src/node/api/metrics';
import type { MissedBlock } from '../../src/core/model';

test('--beacon without --rpc follows the beacon node alone; with --rpc, both; [beacon] from the config file', () => {
  const alone = watchServiceOptions({ beacon: 'http://127.0.0.1:5052' });
  assert.deepEqual(alone.endpoints, []);
  assert.equal(alone.beacon?.url, 'http://127.0.0.1:5052');
  const both = watchServiceOptions({ beacon: 'http://127.0.0.1:5052', rpc: ['ws://127.0.0.1:8545'] });
  assert.deepEqual(both.endpoints.map((e) => e.label), ['127.0.0.1:8545']);
  assert.equal(watchServiceOptions({}).beacon, undefined);
  const dir = mkdtempSync(path.join(tmpdir(), 'mbm-beacon-opts-'));
  try {
    const file = path.join(dir, 'mbm.toml');
    writeFileSync(file, '[beacon]\nurl = "http://10.0.0.2:5052"\nvalidators = [12, 13]\n');
    const o = watchServiceOptions({ config: file });
    assert.equal(o.beacon?.url, 'http://10.0.0.2:5052');
    assert.deepEqual([...o.beacon!.watched!.indices], [12, 13]);
    assert.deepEqual(o.endpoints, []);
    writeFileSync(file, '[beacon]\nurl = "http://10.0.0.2:5052"\nvalidators = [12, "0xzz"]\n');
    assert.throws(() => watchServiceOptions({ config: file }), (e: ConfigError) => e.key === 'beacon.validators[1]' && e.message.startsWith(`${file}: beacon.validators[1] = "0xzz": expected a validator index`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => watchServiceOptions({ beacon: 'ftp://x' }), (e: ConfigError) => e.key === '--beacon' && /http:\/\/ or https:\/\//.test(e.message));
});

test('missed_slots_by_proposer_total: one series per watched proposer, none for the others', async () => {
  const m = new MissedBlockMetrics();
  const rec = (slot: number, proposer: number, watched: boolean): MissedBlock => ({
    timestamp: 1, block_number: slot + 1, reason: 'Unknown', severity: watched ? 'High' : 'Low', expected_timestamp: 1, actual_timestamp: 1,
    recovery_attempts: 0, recovered: false, metadata: { proposer_watched: watched }, alert_sent: false, kind: 'missed_slot', slot, beacon_slot: slot, proposer_index: proposer,
  });
  m.observeRecord(rec(9, 6, true));
  m.observeRecord(rec(9, 6, true)); // the same record again: counted once
  m.observeRecord(rec(17, 6, true));
  m.observeRecord(rec(11, 7, false));
  const text = await m.exposition();
  const lines = text.split('\n').filter((l) => l.startsWith('mev_relay_missed_slots_by_proposer_total'));
  assert.deepEqual(lines, ['mev_relay_missed_slots_by_proposer_total{proposer="6"} 2']);
});
