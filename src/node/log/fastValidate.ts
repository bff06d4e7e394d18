// A hand-written check that a parsed log line is a valid record, for the hot path. JSON Schema
// validation (ajv, validate.ts) stays the single truth: this check is at least as strict as the
// schema, so whatever it accepts ajv accepts too, and whatever it refuses (or is unsure of:
// numbers beyond 2^53, long `source` strings...) goes to ajv, which gives the same verdict and
// message as always. Most lines are well-formed, so ajv (and its compilation at start-up) is
// rarely needed. test/unit/fastValidate.test.ts holds it to the schema on every property: keep it
// in step with schema/missed-block.schema.json. The export worker (export/worker.ts) imports it.
import { MISSED_BLOCK_KINDS, MISSED_BLOCK_REASONS, MISSED_BLOCK_SEVERITIES } from '../../core/model';

const REASONS: ReadonlySet<unknown> = new Set(MISSED_BLOCK_REASONS);
const SEVERITIES: ReadonlySet<unknown> = new Set(MISSED_BLOCK_SEVERITIES);
const KINDS: ReadonlySet<unknown> = new Set(MISSED_BLOCK_KINDS);
const HASH = /^0x[0-9a-fA-F]{64}$/;
const PUBKEY = /^0x[0-9a-fA-F]{96}$/;
const WEI = /^(0|[1-9][0-9]*)$/;

/** Whole numbers 0 … 2^53 (stricter than the schema's integer ≥ 0: larger ones go to ajv). */
function whole(n: unknown): n is number {
  return typeof n === 'number' && n >= 0 && Number.isSafeInteger(n);
}

/** True only for a value the schema accepts; false means "ask ajv" (it may still be valid). */
export function fastValid(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (!whole(v.timestamp) || !whole(v.block_number) || !whole(v.expected_timestamp) || !whole(v.actual_timestamp) || !whole(v.recovery_attempts)) return false;
  if (typeof v.reason !== 'string' || !REASONS.has(v.reason) || typeof v.severity !== 'string' || !SEVERITIES.has(v.severity)) return false;
  if (typeof v.recovered !== 'boolean' || typeof v.alert_sent !== 'boolean') return false;
  const m = v.metadata;
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return false;
  let x: unknown;
  if ((x = v.kind) !== undefined && !(typeof x === 'string' && KINDS.has(x))) return false;
  // The schema's if/then: a tx_missed record names its transaction.
  if (x === 'tx_missed' && !(typeof (x = (m as Record<string, unknown>).tx_hash) === 'string' && x.length === 66 && HASH.test(x))) return false;
  if ((x = v.block_hash) !== undefined && !(typeof x === 'string' && x.length === 66 && HASH.test(x))) return false;
  if ((x = v.chain_id) !== undefined && !whole(x)) return false;
  // maxLength counts code points; at most 256 UTF-16 units is at most 256 code points.
  if ((x = v.source) !== undefined && !(typeof x === 'string' && x.length <= 256)) return false;
  if ((x = v.slot) !== undefined && !whole(x)) return false;
  if ((x = v.reorg_depth) !== undefined && !(whole(x) && x >= 1)) return false;
  if ((x = v.recovered_at) !== undefined && !whole(x)) return false;
  if ((x = v.recovery_ms) !== undefined && !(typeof x === 'number' && Number.isFinite(x) && x >= 0)) return false;
  if ((x = v.streak) !== undefined && !(whole(x) && x >= 1)) return false;
  if ((x = v.beacon_slot) !== undefined && !whole(x)) return false;
  if ((x = v.proposer_index) !== undefined && !whole(x)) return false;
  if ((x = v.proposer_pubkey) !== undefined && !(typeof x === 'string' && x.length === 98 && PUBKEY.test(x))) return false;
  if ((x = v.builder_pubkey) !== undefined && !(typeof x === 'string' && x.length === 98 && PUBKEY.test(x))) return false;
  if ((x = v.relay) !== undefined && !(typeof x === 'string' && x.length <= 256)) return false;
  if ((x = v.payload_value_wei) !== undefined && !(typeof x === 'string' && x.length <= 78 && WEI.test(x))) return false;
  return true;
}
