// The Prometheus registry: the seed's names, once-only counting of rewritten records, metrics that
// survive an endpoint going down, and an exposition promtool accepts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MissedBlockMetrics, RecordLedger, recoverySeconds } from '../../src/node/api/metrics';
import type { MissedBlock } from '../../src/core/model';
import { parseExposition, promtoolCheck, sumOf } from '../helpers/http';

function rec(over: Partial<MissedBlock> = {}): MissedBlock {
  return {
    timestamp: 1_700_000_000,
    block_number: 100,
    reason: 'NetworkLatency',
    severity: 'Medium',
    expected_timestamp: 1_699_999_988,
    actual_timestamp: 1_700_000_000,
    recovery_attempts: 0,
    recovered: false,
    metadata: {},
    alert_sent: false,
    kind: 'gap',
    ...over,
  };
}

async function scrape(m: MissedBlockMetrics): Promise<Map<string, number>> {
  return parseExposition(await m.exposition());
}

describe('metrics', () => {
  test("the seed's names and types, with the default prefix and a 5 s bucket", async () => {
    const m = new MissedBlockMetrics();
    m.observeRecord(rec({ reason: 'NetworkLatency' }));
    m.observeRecord(rec({ block_number: 101, recovered: true, recovery_ms: 4_000 }));
    const text = await m.exposition();
    for (const line of [
      '# HELP mev_relay_blocks_missed_total Total number of missed blocks',
      '# TYPE mev_relay_blocks_missed_total counter',
      'mev_relay_blocks_missed_total{reason="NetworkLatency"} 2',
      '# HELP mev_relay_blocks_recovered_total Total number of recovered blocks',
      '# TYPE mev_relay_blocks_recovered_total counter',
      'mev_relay_blocks_recovered_total 1',
      '# HELP mev_relay_missed_block_duration_seconds Time to recover missed blocks',
      '# TYPE mev_relay_missed_block_duration_seconds histogram',
      'mev_relay_missed_block_duration_seconds_bucket{le="5"} 1',
      '# TYPE mev_relay_blocks_processed_total counter',
      '# TYPE mev_relay_current_missed_streak gauge',
      '# TYPE mev_relay_longest_missed_streak gauge',
      '# TYPE mev_relay_head_block gauge',
      '# TYPE mev_relay_endpoint_up gauge',
      '# TYPE mev_relay_missed_blocks_by_severity_total counter',
      '# TYPE mev_relay_alerts_sent_total counter',
      '# TYPE mev_relay_alerts_failed_total counter',
      '# TYPE mev_relay_alert_outbox_depth gauge',
    ]) {
      assert.ok(text.split('\n').includes(line), `exposition has: ${line}`);
    }
    assert.equal(m.contentType, 'text/plain; version=0.0.4; charset=utf-8');
    // Every reason and severity exists from the start (rate() sees the first increment).
    const s = await scrape(new MissedBlockMetrics());
    assert.equal(s.get('mev_relay_blocks_missed_total{reason="RateLimitExceeded"}'), 0);
    assert.equal(s.get('mev_relay_missed_blocks_by_severity_total{severity="Critical"}'), 0);
  });

  test('duration buckets: sub-second ones (0.005 … 0.25) below the relay’s (0.5 … 3600); a 4 ms recovery lands in le="0.005"', async () => {
    const m = new MissedBlockMetrics();
    m.observeRecord(rec({ recovered: true, recovery_ms: 4 }));
    m.observeRecord(rec({ block_number: 101, recovered: true, recovery_ms: 7 }));
    const text = await m.exposition();
    const les = [...text.matchAll(/^mev_relay_missed_block_duration_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)].map((x) => [x[1], Number(x[2])]);
    assert.deepEqual(les, [
      ['0.005', 1], ['0.01', 2], ['0.025', 2], ['0.05', 2], ['0.1', 2], ['0.25', 2],
      ['0.5', 2], ['1', 2], ['2', 2], ['5', 2], ['10', 2], ['15', 2], ['30', 2], ['60', 2], ['120', 2], ['300', 2], ['600', 2], ['1800', 2], ['3600', 2],
      ['+Inf', 2],
    ]);
  });

  test('the prefix is configurable and checked', async () => {
    const text = await new MissedBlockMetrics({ prefix: 'mbm_' }).exposition();
    assert.match(text, /^# TYPE mbm_blocks_missed_total counter$/m);
    assert.doesNotMatch(text, /mev_relay_/);
    assert.match(await new MissedBlockMetrics({ prefix: '' }).exposition(), /^# TYPE blocks_missed_total counter$/m);
    assert.throws(() => new MissedBlockMetrics({ prefix: 'bad-prefix' }), /prefix/);
  });

  test("a record rewritten as 'updated' (recovered, escalated) counts once; its recovery once", async () => {
    const m = new MissedBlockMetrics();
    const first = m.observeRecord(rec({ severity: 'Medium' }));
    assert.deepEqual(first, { first: true, recoveredNow: false, alertedNow: false });
    // Recovery rewrites it (Low, recovered), a streak escalates it, the same line comes twice.
    const recovered = m.observeRecord(rec({ severity: 'Low', recovered: true, recovery_attempts: 1, recovery_ms: 2_500 }));
    assert.deepEqual(recovered, { first: false, recoveredNow: true, alertedNow: false });
    m.observeRecord(rec({ severity: 'Critical', recovered: true, recovery_ms: 2_500, streak: 5 }));
    m.observeRecord(rec({ severity: 'Critical', recovered: true, recovery_ms: 2_500, streak: 5, alert_sent: true }));
    const s = await scrape(m);
    assert.equal(sumOf(s, 'mev_relay_blocks_missed_total'), 1);
    assert.equal(s.get('mev_relay_blocks_missed_total{reason="NetworkLatency"}'), 1);
    assert.equal(sumOf(s, 'mev_relay_missed_blocks_by_severity_total'), 1, 'by severity: counted once, as first detected');
    assert.equal(s.get('mev_relay_missed_blocks_by_severity_total{severity="Medium"}'), 1);
    assert.equal(s.get('mev_relay_blocks_recovered_total'), 1);
    assert.equal(s.get('mev_relay_missed_block_duration_seconds_count'), 1);
    assert.equal(s.get('mev_relay_missed_block_duration_seconds_sum'), 2.5);
    assert.equal(s.get('mev_relay_missed_block_duration_seconds_bucket{le="2"}'), 0);
    assert.equal(s.get('mev_relay_missed_block_duration_seconds_bucket{le="5"}'), 1);
  });

  test('records of one block number but another kind or slot are separate missed blocks', async () => {
    const m = new MissedBlockMetrics();
    m.observeRecord(rec({ kind: 'missed_slot', slot: 7, reason: 'Unknown', severity: 'High' }));
    m.observeRecord(rec({ kind: 'missed_slot', slot: 8, reason: 'Unknown', severity: 'High' }));
    m.observeRecord(rec({ kind: 'missed_slot', slot: 8, reason: 'Unknown', severity: 'Critical' }));
    m.observeRecord(rec({ kind: 'reorg', reason: 'ChainReorg' }));
    const s = await scrape(m);
    assert.equal(s.get('mev_relay_blocks_missed_total{reason="Unknown"}'), 2);
    assert.equal(s.get('mev_relay_blocks_missed_total{reason="ChainReorg"}'), 1);
    assert.equal(sumOf(s, 'mev_relay_blocks_missed_total'), 3);
  });

  test('an endpoint going down drops endpoint_up to 0 and keeps its last head', async () => {
    const m = new MissedBlockMetrics();
    m.setEndpointUp('node-a:8545', true);
    m.setHead('node-a:8545', 1234);
    m.setEndpointUp('node-b:8545', true);
    m.setHead('node-b:8545', 1233);
    m.setEndpointUp('node-a:8545', false);
    m.setEndpointUp('node-b:8545', false);
    const s = await scrape(m);
    assert.equal(s.get('mev_relay_endpoint_up{source="node-a:8545"}'), 0);
    assert.equal(s.get('mev_relay_endpoint_up{source="node-b:8545"}'), 0);
    assert.equal(s.get('mev_relay_head_block{source="node-a:8545"}'), 1234, 'the head does not vanish');
    assert.equal(s.get('mev_relay_head_block{source="node-b:8545"}'), 1233);
  });

  test('processed follows the monitor total upwards only; streak, alert and outbox setters', async () => {
    const m = new MissedBlockMetrics();
    m.setProcessed(10);
    m.setProcessed(25);
    m.setProcessed(20);
    m.setStreaks(3, 7);
    m.alertSent('slack');
    m.alertSent('slack');
    m.alertFailed('email');
    m.setOutboxDepth(4);
    const s = await scrape(m);
    assert.equal(s.get('mev_relay_blocks_processed_total'), 25);
    assert.equal(s.get('mev_relay_current_missed_streak'), 3);
    assert.equal(s.get('mev_relay_longest_missed_streak'), 7);
    assert.equal(s.get('mev_relay_alerts_sent_total{channel="slack"}'), 2);
    assert.equal(s.get('mev_relay_alerts_failed_total{channel="email"}'), 1);
    assert.equal(s.get('mev_relay_alert_outbox_depth'), 4);
  });

  test('log-only metrics leave out what a log cannot know', async () => {
    const text = await new MissedBlockMetrics({ live: false }).exposition();
    assert.doesNotMatch(text, /processed|head_block|endpoint_up/);
    assert.match(text, /mev_relay_current_missed_streak/);
  });

  test('no block number ever becomes a label', async () => {
    const m = new MissedBlockMetrics();
    for (let n = 0; n < 50; n++) m.observeRecord(rec({ block_number: 1_000 + n, recovered: n % 2 === 0, recovery_ms: n * 100 }));
    const labels = [...(await m.exposition()).matchAll(/\{([^}]*)\}/g)].flatMap((x) => x[1].split(',').map((kv) => kv.split('=')[0]));
    assert.deepEqual([...new Set(labels)].sort(), ['channel', 'le', 'reason', 'severity']);
  });

  test('recovery time comes from recovery_ms, else recovered_at − timestamp', () => {
    assert.equal(recoverySeconds(rec({ recovery_ms: 1500 })), 1.5);
    assert.equal(recoverySeconds(rec({ recovered_at: 1_700_000_012 })), 12);
    assert.equal(recoverySeconds(rec({ recovered_at: 1_699_000_000 })), undefined);
    assert.equal(recoverySeconds(rec()), undefined);
  });

  test('the ledger is bounded: least recently seen keys go first', () => {
    const l = new RecordLedger(3);
    for (const n of [1, 2, 3]) l.see(rec({ block_number: n }));
    l.see(rec({ block_number: 1 })); // 1 is recent again
    l.see(rec({ block_number: 4 })); // evicts 2
    assert.equal(l.size, 3);
    assert.equal(l.see(rec({ block_number: 1 })).first, false);
    assert.equal(l.see(rec({ block_number: 2 })).first, true);
  });

  test('promtool check metrics passes on a populated exposition', async () => {
    const m = new MissedBlockMetrics();
    m.observeRecord(rec({ reason: 'Timeout', severity: 'High', recovered: true, recovery_ms: 12_000 }));
    m.observeRecord(rec({ block_number: 101, kind: 'missed_slot', slot: 3, reason: 'Unknown', severity: 'High' }));
    m.setProcessed(1000);
    m.setStreaks(1, 4);
    m.setHead('127.0.0.1:8545', 999);
    m.setEndpointUp('127.0.0.1:8545', false);
    m.alertSent('webhook');
    m.alertFailed('discord');
    m.setOutboxDepth(2);
    const { code, output } = await promtoolCheck(await m.exposition());
    assert.equal(code, 0, `promtool: ${output}`);
    assert.equal(output.trim(), '', 'no lint findings');
  });
});
