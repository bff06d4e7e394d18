// `[[chains]]`: many chains watched by one `mbm watch`. Each table is one chain with its own endpoints, log
// and monitoring overrides; everything else ([logging] but the path, [alerts], [storage], [risk],
// [expect]) is shared from the top level.
//
//   [[chains]]
//   name = "mainnet"                      # letters, digits, - and _; the `chain` label of the metrics
//   rpc = { urls_env = "MAINNET_RPC" }    # as [rpc]: urls, url_env, urls_env, chain_id
//   beacon = { url = "http://127.0.0.1:5052" }   # as [beacon] (optional)
//   relay = { urls = ["https://relay.example"] } # as [relay] (optional; needs beacon)
//   recovery = { explorer_url = "…" }     # as [recovery] (optional)
//   log_file = "logs/mainnet.jsonl"       # default: log_file_path with .<name> before .jsonl
//   expected_block_time = 12              # any [monitoring] key overrides the top level for this chain
//
// With [[chains]] the top level may not name endpoints itself ([rpc], [beacon], [relay],
// [recovery]): which chain they belong to would be a guess.
import { applyMonitoringOverrides, ConfigError, MONITORING_KEYS, parseRecoveryTable, type MonitorFileConfig } from './config';
import { beaconConfigFrom } from './beaconConfig';
import { parseRelayConfig } from './relayConfig';

export interface ChainConfig {
  name: string;
  /** `chains[i]`, the prefix of every key this chain's errors name. */
  key: string;
  /** The chain's whole config: the top level with its endpoints, log path and monitoring overrides. */
  config: MonitorFileConfig;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;
const OWN_KEYS = ['name', 'rpc', 'beacon', 'relay', 'recovery', 'log_file'];
/** Top-level tables that name one chain's endpoints. */
const PER_CHAIN_TABLES = ['rpc', 'beacon', 'relay', 'recovery'];

/** Errors of a table parsed by its own module (`rpc.urls`) named under the chain (`chains[1].rpc.urls`). */
export function underChain<T>(key: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConfigError && !err.key.startsWith('chains[')) throw new ConfigError(`${key}.${err.key}`, err.value, err.expected, err.file);
    throw err;
  }
}

function isTable(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The directory part of a log path ('' for a bare file name), without touching the filesystem. */
function dirOf(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i < 0 ? '' : p.slice(0, i + 1);
}

/**
 * `chains` as TOML gives it, over the parsed top level `top` (whose `other` still holds the top
 * tables). Throws ConfigError naming `chains[i].key`.
 */
export function parseChains(v: unknown, top: MonitorFileConfig, raw: Record<string, unknown>): ChainConfig[] {
  const expected = 'a list of [[chains]] tables, each with a name and an rpc (or beacon) table';
  if (!Array.isArray(v) || v.length === 0) throw new ConfigError('chains', Array.isArray(v) ? '[]' : v, expected);
  for (const t of PER_CHAIN_TABLES) {
    if (raw[t] !== undefined) throw new ConfigError(t, '(a table)', `no top-level [${t}] beside [[chains]]: give each chain its own ${t} in its [[chains]] table`);
  }
  const names = new Map<string, string>();
  const ids = new Map<number, string>();
  const logs = new Map<string, string>();
  return v.map((item, i) => {
    const key = `chains[${i}]`;
    if (!isTable(item)) throw new ConfigError(key, item, 'a table (write [[chains]] with name = "…" and rpc = { urls = […] })');
    const known = [...OWN_KEYS, ...MONITORING_KEYS];
    for (const k of Object.keys(item)) if (!known.includes(k)) throw new ConfigError(`${key}.${k}`, '(not shown)', `one of the known keys of a [[chains]] table: ${known.join(', ')}`);
    const name = item.name;
    if (typeof name !== 'string' || !NAME.test(name)) throw new ConfigError(`${key}.name`, name, 'a chain name of letters, digits, - and _ (1 to 40, starting with a letter or digit), like "mainnet"');
    const other = names.get(name.toLowerCase());
    if (other !== undefined) throw new ConfigError(`${key}.name`, name, `a name no other chain has (${other}; names are compared ignoring case)`);
    names.set(name.toLowerCase(), `${key} is "${name}"`);
    if (item.rpc !== undefined && !isTable(item.rpc)) throw new ConfigError(`${key}.rpc`, '(not shown)', 'a table like { urls = ["http://127.0.0.1:8545"] } or { url_env = "NAME" }');
    if (item.rpc === undefined && !(isTable(item.beacon) && item.beacon.url !== undefined)) {
      throw new ConfigError(`${key}.rpc`, undefined, 'an rpc table (urls, url_env or urls_env), or a beacon table with a url to follow the beacon node alone');
    }
    const chainId = isTable(item.rpc) ? item.rpc.chain_id : undefined;
    if (typeof chainId === 'number') {
      const dup = ids.get(chainId);
      if (dup !== undefined) throw new ConfigError(`${key}.rpc.chain_id`, chainId, `a chain id no other chain has (${dup} has ${chainId} too)`);
      ids.set(chainId, key);
    }

    const config: MonitorFileConfig = {
      monitoring: { ...top.monitoring },
      logging: { ...top.logging },
      alerts: { ...top.alerts, channels: [...top.alerts.channels], extra: { ...top.alerts.extra } },
      other: { ...top.other },
      ...(top.storage ? { storage: { ...top.storage } } : {}),
    };
    delete config.other.chains;
    if (item.rpc !== undefined) config.other.rpc = item.rpc;
    if (item.beacon !== undefined) {
      config.other.beacon = item.beacon;
      underChain(key, () => beaconConfigFrom(config));
    }
    if (item.relay !== undefined) config.relay = underChain(key, () => parseRelayConfig(item.relay));
    if (config.relay && config.relay.urls.length > 0 && !(isTable(item.beacon) && item.beacon.url !== undefined)) {
      throw new ConfigError(`${key}.relay`, '(a table)', `a beacon table with a url beside it in ${key}: payloads are checked against that beacon node`);
    }
    if (item.recovery !== undefined) config.recovery = underChain(key, () => parseRecoveryTable(item.recovery));
    const overrides = Object.fromEntries(Object.entries(item).filter(([k]) => MONITORING_KEYS.includes(k)));
    applyMonitoringOverrides(key, overrides, config.monitoring);
    if (item.log_file !== undefined) {
      if (typeof item.log_file !== 'string' || item.log_file.trim() === '') throw new ConfigError(`${key}.log_file`, item.log_file, 'a path to the chain\'s JSONL log, like "logs/mainnet.jsonl"');
      config.logging.logFilePath = item.log_file;
    } else {
      // `missed_blocks.mainnet.jsonl` beside `missed_blocks.jsonl`: a name the extension follows (missed_blocks*.jsonl).
      const dir = dirOf(top.logging.logFilePath);
      const base = top.logging.logFilePath.slice(dir.length).replace(/\.jsonl$/, '');
      config.logging.logFilePath = `${dir}${base}.${name}.jsonl`;
    }
    const dupLog = logs.get(config.logging.logFilePath);
    if (dupLog !== undefined) throw new ConfigError(`${key}.log_file`, config.logging.logFilePath, `a log no other chain writes (${dupLog} writes it too)`);
    logs.set(config.logging.logFilePath, key);
    return { name, key, config };
  });
}
