// `[rpc]` of the TOML config (the relay's config shape has no place for endpoints):
//   urls = ["ws://…", "https://…"]   endpoints, the first is primary ("${VAR}" references allowed)
//   url_env = "NAME"                 one endpoint from the environment (a provider URL holds its key)
//   urls_env = "NAME"                several, separated by commas or whitespace
//   chain_id = 1                     the chain the node must be on; another is "down: wrong chain id"
// URLs resolved from the environment never appear in errors: they are named by their variable.
import { ConfigError, type MonitorFileConfig } from '../core/config';
import { expandEnvRefs, fromEnv } from './envRef';

export interface RpcConfig {
  urls?: string[];
  chainId?: number;
}

const KNOWN = ['urls', 'url_env', 'urls_env', 'chain_id'];

export function parseRpcConfig(cfg: MonitorFileConfig, env: NodeJS.ProcessEnv = process.env): RpcConfig {
  const raw = cfg.other.rpc;
  if (raw === undefined) return {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError('rpc', raw, `a table with ${KNOWN.join(', ')}`);
  const t = raw as Record<string, unknown>;
  // The value is not shown: a misspelt `url = "https://…/<key>"` is still a secret.
  for (const k of Object.keys(t)) if (!KNOWN.includes(k)) throw new ConfigError(`rpc.${k}`, '(not shown)', `one of the known keys of [rpc]: ${KNOWN.join(', ')}`);
  const out: RpcConfig = {};
  const set = ['urls', 'url_env', 'urls_env'].filter((k) => t[k] !== undefined);
  if (set.length > 1) throw new ConfigError(`rpc.${set[1]}`, t[set[1]!], `only one of rpc.urls, rpc.url_env, rpc.urls_env (choose one)`);
  if (t.urls !== undefined) {
    if (!Array.isArray(t.urls) || t.urls.length === 0 || !t.urls.every((u) => typeof u === 'string' && u !== '')) {
      throw new ConfigError('rpc.urls', '(not shown: may hold an API key)', 'a non-empty list of URL strings');
    }
    out.urls = (t.urls as string[]).map((u, i) => expandEnvRefs(`rpc.urls[${i}]`, u, env));
  } else if (t.url_env !== undefined) {
    out.urls = [fromEnv('rpc', 'url', undefined, t.url_env, env)!];
  } else if (t.urls_env !== undefined) {
    out.urls = fromEnv('rpc', 'urls', undefined, t.urls_env, env)!.split(/[\s,]+/).filter(Boolean);
  }
  if (t.chain_id !== undefined) {
    const id = t.chain_id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id <= 0) throw new ConfigError('rpc.chain_id', id, 'a whole number > 0 (the chain id eth_chainId answers)');
    out.chainId = id;
  }
  return out;
}
