// A hand-written check that a parsed log line is a valid record, for the hot path. JSON Schema
// validation (ajv, validate.ts) stays the single truth: this check is at least as strict as the
// schema, so whatever it accepts ajv accepts too, and whatever it refuses (or is unsure of:
// numbers beyond 2^53, long `source` strings...) goes to ajv, which gives the same verdict and
// message as always. Most lines are well-formed, so ajv (and its compilation at start-up) is
// rarely needed.
//
// It is JavaScript source in a string so that export-worker.ts can run the very same code in a
// worker thread (an `eval` worker: no extra file next to the bundle).
import { MISSED_BLOCK_KINDS, MISSED_BLOCK_REASONS, MISSED_BLOCK_SEVERITIES } from '../../core/model';

export interface FastValidateConfig {
  reasons: readonly string[];
  severities: readonly string[];
  kinds: readonly string[];
}

export function fastValidateConfig(): FastValidateConfig {
  return { reasons: MISSED_BLOCK_REASONS, severities: MISSED_BLOCK_SEVERITIES, kinds: MISSED_BLOCK_KINDS };
}

/** Defines `makeFastValidator(cfg)`, which returns `(value) => boolean`. Keep in step with schema/missed-block.schema.json. */
export const FAST_VALIDATE_SOURCE = String.raw`
function makeFastValidator(cfg) {
  const REASONS = new Set(cfg.reasons);
  const SEVERITIES = new Set(cfg.severities);
  const KINDS = new Set(cfg.kinds);
  const HASH = /^0x[0-9a-fA-F]{64}$/;
  const PUBKEY = /^0x[0-9a-fA-F]{96}$/;
  const WEI = /^(0|[1-9][0-9]*)$/;
  // Whole numbers 0 … 2^53 (stricter than the schema's integer ≥ 0: larger ones go to ajv).
  const whole = (n) => typeof n === 'number' && n >= 0 && Number.isSafeInteger(n);
  return function fastValid(v) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
    if (!whole(v.timestamp) || !whole(v.block_number) || !whole(v.expected_timestamp) || !whole(v.actual_timestamp) || !whole(v.recovery_attempts)) return false;
    if (typeof v.reason !== 'string' || !REASONS.has(v.reason) || typeof v.severity !== 'string' || !SEVERITIES.has(v.severity)) return false;
    if (typeof v.recovered !== 'boolean' || typeof v.alert_sent !== 'boolean') return false;
    const m = v.metadata;
    if (m === null || typeof m !== 'object' || Array.isArray(m)) return false;
    let x;
    if ((x = v.kind) !== undefined && !(typeof x === 'string' && KINDS.has(x))) return false;
    // The schema's if/then: a tx_missed record names its transaction.
    if (x === 'tx_missed' && !(typeof (x = m.tx_hash) === 'string' && x.length === 66 && HASH.test(x))) return false;
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
    if ((x = v.proposer_pubkey) !== undefined && !(typeof x === 'string' && x.length === 98 && PUBKEY.test(x))) return false;
    if ((x = v.builder_pubkey) !== undefined && !(typeof x === 'string' && x.length === 98 && PUBKEY.test(x))) return false;
    if ((x = v.relay) !== undefined && !(typeof x === 'string' && x.length <= 256)) return false;
    if ((x = v.payload_value_wei) !== undefined && !(typeof x === 'string' && x.length <= 78 && WEI.test(x))) return false;
    return true;
  };
}
`;

/** True only for a value the schema accepts; false means "ask ajv" (it may still be valid). */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
export const fastValid = new Function(`${FAST_VALIDATE_SOURCE}\nreturn makeFastValidator;`)()(fastValidateConfig()) as (value: unknown) => boolean;
