// `[beacon]` of the config file: the beacon node to follow and the proposers whose misses matter.
//
//   [beacon]
//   url = "http://127.0.0.1:5052"
//   validators = [12, "0xa1b2…"]   # validator indices or BLS public keys (0x + 96 hex digits)
//   grace = "4s"                   # after a slot's end, before an empty slot is judged without a later block
import { ConfigError, parseSeconds, type MonitorFileConfig } from './config';
import type { WatchedProposers } from './beacon';

export interface BeaconConfig {
  url?: string;
  watched: WatchedProposers;
  /** Seconds; undefined: one slot. */
  graceSec?: number;
}

const PUBKEY = /^0x[0-9a-fA-F]{96}$/;
const KNOWN = ['url', 'validators', 'grace'];

export function parseBeaconUrl(key: string, v: unknown): string {
  const expected = 'an http:// or https:// URL of a beacon node REST API, like "http://127.0.0.1:5052"';
  if (typeof v !== 'string') throw new ConfigError(key, v, expected);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new ConfigError(key, v.replace(/\/\/[^@/]*@/, '//***@'), expected);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ConfigError(key, `${u.protocol}//${u.host}`, expected);
  return v;
}

/** Validator indices (whole numbers, or strings of digits) and public keys, each named by its position when wrong. */
export function parseValidators(key: string, v: unknown): WatchedProposers {
  const expected = 'a validator index (a whole number ≥ 0) or a BLS public key ("0x" + 96 hex digits)';
  if (!Array.isArray(v)) throw new ConfigError(key, v, `a list, each item ${expected}`);
  const indices = new Set<number>();
  const pubkeys = new Set<string>();
  v.forEach((item, i) => {
    if (typeof item === 'number' && Number.isSafeInteger(item) && item >= 0) indices.add(item);
    else if (typeof item === 'bigint' && item >= 0n && item <= BigInt(Number.MAX_SAFE_INTEGER)) indices.add(Number(item));
    else if (typeof item === 'string' && /^\d{1,15}$/.test(item)) indices.add(Number(item));
    else if (typeof item === 'string' && PUBKEY.test(item)) pubkeys.add(item.toLowerCase());
    else throw new ConfigError(`${key}[${i}]`, typeof item === 'bigint' ? String(item) : item, expected);
  });
  return { indices, pubkeys };
}

/** The [beacon] table of a loaded config (kept in `other` by the config loader); empty when absent. */
export function beaconConfigFrom(cfg: Pick<MonitorFileConfig, 'other'>): BeaconConfig {
  const t = cfg.other.beacon;
  const none: BeaconConfig = { watched: { indices: new Set(), pubkeys: new Set() } };
  if (t === undefined) return none;
  if (!t || typeof t !== 'object' || Array.isArray(t)) throw new ConfigError('beacon', t, 'a table');
  const table = t as Record<string, unknown>;
  for (const k of Object.keys(table)) if (!KNOWN.includes(k)) throw new ConfigError(`beacon.${k}`, table[k], `one of the known keys of [beacon]: ${KNOWN.join(', ')}`);
  return {
    ...(table.url !== undefined ? { url: parseBeaconUrl('beacon.url', table.url) } : {}),
    watched: table.validators !== undefined ? parseValidators('beacon.validators', table.validators) : none.watched,
    ...(table.grace !== undefined ? { graceSec: parseSeconds('beacon.grace', table.grace) / 1000 } : {}),
  };
}
