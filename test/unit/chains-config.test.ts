// `[[chains]]`: each table becomes one chain's whole config (its endpoints, its log, its monitoring
// overrides over the shared top level); every mistake names the key as `chains[i].key`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from '../../src/core/config';
import { chainServiceOptions } from '../../src/cli/commands/watchChains';
import { UsageError } from '../../src/cli/util';

const TWO = `
[monitoring]
alert_threshold = 4
[logging]
log_file_path = "/var/log/mbm/missed.jsonl"
[alerts]
channels = ["console", "file"]

[[chains]]
name = "mainnet"
rpc = { urls = ["ws://127.0.0.1:8546"], chain_id = 1 }
expected_block_time = 12

[[chains]]
name = "base"
rpc = { urls = ["http://127.0.0.1:9545"], chain_id = 8453 }
alert_threshold = 2
detect_missed_slots = false
log_file = "/data/base.jsonl"
`;

function problem(toml: string): string {
  try {
    parseConfigText(toml, 'mbm.toml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  return 'no error';
}

test('each chain: its rpc, its log (beside the top log by default, or log_file), its overrides over the shared top level', () => {
  const cfg = parseConfigText(TWO);
  const [main, base] = cfg.chains!;
  assert.deepEqual([main!.name, main!.key, base!.name, base!.key], ['mainnet', 'chains[0]', 'base', 'chains[1]']);
  assert.equal(main!.config.logging.logFilePath, '/var/log/mbm/missed.mainnet.jsonl');
  assert.equal(base!.config.logging.logFilePath, '/data/base.jsonl');
  assert.deepEqual([main!.config.monitoring.expectedBlockTimeMs, main!.config.monitoring.expectedBlockTimeExplicit, main!.config.monitoring.alertThreshold], [12_000, true, 4]);
  assert.deepEqual([base!.config.monitoring.expectedBlockTimeExplicit, base!.config.monitoring.alertThreshold, base!.config.monitoring.detectMissedSlots], [false, 2, false]);
  assert.deepEqual(base!.config.alerts.channels, ['console', 'file']);
  assert.equal(base!.config.other.chains, undefined);
  assert.deepEqual({ ...(base!.config.other.rpc as object) }, { urls: ['http://127.0.0.1:9545'], chain_id: 8453 });
  // The top level itself keeps its defaults (one chain's override is not everyone's).
  assert.equal(cfg.monitoring.alertThreshold, 4);
  const opts = chainServiceOptions(cfg.chains!, {});
  assert.deepEqual(
    opts.map((o) => [o.name, o.options.endpoints.map((e) => e.label), o.options.source?.expectChainId]),
    [
      ['mainnet', ['127.0.0.1:8546'], 1],
      ['base', ['127.0.0.1:9545'], 8453],
    ],
  );
});

test('bad tables name the key and the form expected', () => {
  const cases: [string, string][] = [
    [TWO.replace('name = "base"', 'name = "MAINNET"'), 'mbm.toml: chains[1].name = "MAINNET": expected a name no other chain has (chains[0] is "mainnet"; names are compared ignoring case)'],
    [TWO.replace('chain_id = 8453', 'chain_id = 1'), 'mbm.toml: chains[1].rpc.chain_id = 1: expected a chain id no other chain has (chains[0] has 1 too)'],
    [TWO.replace('log_file = "/data/base.jsonl"', 'log_file = "/var/log/mbm/missed.mainnet.jsonl"'), 'mbm.toml: chains[1].log_file = "/var/log/mbm/missed.mainnet.jsonl": expected a log no other chain writes (chains[0] writes it too)'],
    [TWO.replace('alert_threshold = 2', 'alert_threshold = 0'), 'mbm.toml: chains[1].alert_threshold = 0: expected a whole number ≥ 1'],
    [TWO.replace('expected_block_time = 12', 'expected_block_time = "soon"'), 'mbm.toml: chains[0].expected_block_time = "soon": expected a duration in seconds (a number ≥ 0, or a string like "30s", "500ms", "5m")'],
    [TWO.replace('name = "base"', 'name = "base chain"'), 'mbm.toml: chains[1].name = "base chain": expected a chain name of letters, digits, - and _ (1 to 40, starting with a letter or digit), like "mainnet"'],
    [TWO.replace('rpc = { urls = ["http://127.0.0.1:9545"], chain_id = 8453 }', ''), 'mbm.toml: chains[1].rpc = undefined: expected an rpc table (urls, url_env or urls_env), or a beacon table with a url to follow the beacon node alone'],
    [TWO.replace('alert_threshold = 2', 'alert_treshold = 2'), 'mbm.toml: chains[1].alert_treshold = "(not shown)": expected one of the known keys of a [[chains]] table: name, rpc, beacon, relay, recovery, log_file, expected_block_time, detect_missed_slots, max_block_delay, retry_attempts, retry_delay, alert_threshold, enable_recovery, log_missed_blocks, metrics_enabled'],
    [`${TWO}\n[rpc]\nurls = ["ws://127.0.0.1:1"]\n`, 'mbm.toml: rpc = "(a table)": expected no top-level [rpc] beside [[chains]]: give each chain its own rpc in its [[chains]] table'],
    [TWO.replace('log_file = "/data/base.jsonl"', 'relay = { urls = ["https://relay.example"] }'), 'mbm.toml: chains[1].relay = "(a table)": expected a beacon table with a url beside it in chains[1]: payloads are checked against that beacon node'],
    [TWO.replace('log_file = "/data/base.jsonl"', 'beacon = { url = "ftp://x" }'), 'mbm.toml: chains[1].beacon.url = "ftp://x": expected an http:// or https:// URL of a beacon node REST API, like "http://127.0.0.1:5052"'],
    ['chains = []\n', 'mbm.toml: chains = "[]": expected a list of [[chains]] tables, each with a name and an rpc (or beacon) table'],
  ];
  for (const [toml, message] of cases) assert.equal(problem(toml), message);
});

test('errors found when the endpoints are resolved name the chain too; one-chain flags are refused', () => {
  const cfg = parseConfigText(TWO.replace('rpc = { urls = ["http://127.0.0.1:9545"], chain_id = 8453 }', 'rpc = { url_env = "MBM_TEST_UNSET_RPC_9F2" }'));
  assert.throws(() => chainServiceOptions(cfg.chains!, {}), (e: ConfigError) => e.key === 'chains[1].rpc.url_env' && /the environment variable MBM_TEST_UNSET_RPC_9F2 to be set/.test(e.message));
  const misspelt = parseConfigText(TWO.replace('rpc = { urls = ["http://127.0.0.1:9545"], chain_id = 8453 }', 'rpc = { url = "http://127.0.0.1:9545" }'), 'mbm.toml');
  assert.throws(() => chainServiceOptions(misspelt.chains!, { config: 'mbm.toml' }), (e: Error) => e.message === 'mbm.toml: chains[1].rpc.url = "(not shown)": expected one of the known keys of [rpc]: urls, url_env, urls_env, chain_id');
  const bad = parseConfigText(TWO.replace('ws://127.0.0.1:8546', 'nope'));
  assert.throws(() => chainServiceOptions(bad.chains!, {}), (e: Error) => e instanceof UsageError && e.message.startsWith('chains[0]: rpc.urls: '));
  for (const flag of ['rpc', 'beacon', 'relay', 'log', 'checkpoint'] as const) {
    const value = flag === 'rpc' || flag === 'relay' ? ['http://127.0.0.1:1'] : 'x';
    assert.throws(() => chainServiceOptions(parseConfigText(TWO).chains!, { [flag]: value }), (e: Error) => e instanceof UsageError && e.message.startsWith(`--${flag}: the config has [[chains]]`));
  }
});
