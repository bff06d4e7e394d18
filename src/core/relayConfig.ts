// `[relay]`: the relays whose delivered payloads are checked against the beacon chain.
//
//   [relay]
//   urls = ["https://relay.example"]   # Data API base URLs (a key in the URL stays out of logs)
//   critical_value_eth = 1             # a lost payload worth more is Critical, else High
//   poll_interval = 12                 # seconds between polls of each relay
//   lookback_slots = 64                # slots before the beacon head judged on the first poll
//   page_limit = 200                   # Data API page size (cursor/limit paging; relays cap it at 200)
import { ConfigError, parseSeconds } from './config';
import { ethToWei } from './payloads';

export interface RelayConfig {
  urls: string[];
  criticalWei: bigint;
  pollIntervalMs: number;
  lookbackSlots: number;
  pageLimit: number;
}

export const DEFAULT_CRITICAL_VALUE_ETH = 1;

export function defaultRelayConfig(): RelayConfig {
  return { urls: [], criticalWei: ethToWei(DEFAULT_CRITICAL_VALUE_ETH), pollIntervalMs: 12_000, lookbackSlots: 64, pageLimit: 200 };
}

const KNOWN = ['urls', 'critical_value_eth', 'poll_interval', 'lookback_slots', 'page_limit'];

function count(key: string, v: unknown, min: number, max: number): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  throw new ConfigError(key, v, `a whole number from ${min} to ${max}`);
}

/** A relay base URL: http(s) with a host. The value is never echoed whole (it may hold a key). */
export function parseRelayUrl(key: string, v: unknown): string {
  const expected = 'an http:// or https:// URL of a relay, like "https://relay.example"';
  if (typeof v !== 'string') throw new ConfigError(key, v, expected);
  let u: URL | undefined;
  try {
    u = new URL(v);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || !u.hostname) throw new ConfigError(key, u ? `${u.protocol}//${u.host}/…` : '<not a URL>', expected);
  return v;
}

/** The `[relay]` table (undefined: no relay checking). Throws ConfigError naming the key. */
export function parseRelayConfig(v: unknown): RelayConfig {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError('relay', v, 'a table');
  const t = v as Record<string, unknown>;
  for (const k of Object.keys(t)) if (!KNOWN.includes(k)) throw new ConfigError(`relay.${k}`, t[k], `one of the known keys of [relay]: ${KNOWN.join(', ')}`);
  const cfg = defaultRelayConfig();
  if (t.urls !== undefined) {
    if (!Array.isArray(t.urls)) throw new ConfigError('relay.urls', '…', 'a list of relay URLs, like ["https://relay.example"]');
    cfg.urls = t.urls.map((u, i) => parseRelayUrl(`relay.urls[${i}]`, u));
  }
  if (t.critical_value_eth !== undefined) {
    const c = t.critical_value_eth;
    try {
      if (typeof c !== 'number' && typeof c !== 'string') throw new RangeError('not an amount');
      cfg.criticalWei = ethToWei(c);
    } catch {
      throw new ConfigError('relay.critical_value_eth', c, 'an amount of ETH ≥ 0 with at most 18 decimals, like 1 or "0.25"');
    }
  }
  if (t.poll_interval !== undefined) {
    const ms = parseSeconds('relay.poll_interval', t.poll_interval);
    if (ms < 100) throw new ConfigError('relay.poll_interval', t.poll_interval, 'a duration of at least 0.1 seconds');
    cfg.pollIntervalMs = ms;
  }
  if (t.lookback_slots !== undefined) cfg.lookbackSlots = count('relay.lookback_slots', t.lookback_slots, 0, 100_000);
  if (t.page_limit !== undefined) cfg.pageLimit = count('relay.page_limit', t.page_limit, 1, 200);
  return cfg;
}
