// The JSON Schema is the single truth about what a valid line is; this module compiles it once and
// turns ajv's errors into one readable sentence per problem.
//
// Most lines are valid, and a hand-written check (fast-validate.ts, never more lenient than the
// schema) recognises them in a fraction of ajv's time; ajv judges the rest, so its verdict and
// its messages are what a user sees. ajv is loaded and the schema compiled only when first needed
// (about 0.1 s of start-up that `mbm export` of a clean log never pays).
import type { ErrorObject, ValidateFunction } from 'ajv';
import schema from '../../../schema/missed-block.schema.json';
import { fromParsed, type MissedBlock } from '../../core/model';
import { fastValid } from './fastValidate';

let compiled: ValidateFunction | undefined;

function validateRecord(): ValidateFunction {
  if (!compiled) {
    // Loaded on demand (esbuild keeps a require() lazy); see the top of this file.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv2020 = (require('ajv/dist/2020') as typeof import('ajv/dist/2020')).default;
    compiled = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
  }
  return compiled;
}

export type ParseResult = { ok: true; record: MissedBlock } | { ok: false; message: string; column?: number };

/** Longest line we try to parse; anything longer is reported, not parsed (protects memory). */
export const MAX_LINE_BYTES = 1 << 20;

function describe(e: ErrorObject): string {
  const at = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '';
  switch (e.keyword) {
    case 'required':
      return `missing required field '${at ? `${at}.` : ''}${(e.params as { missingProperty: string }).missingProperty}'`;
    case 'enum':
      return `${at}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    case 'type':
      return `${at || 'record'}: must be ${(e.params as { type: string | string[] }).type.toString().replace(/,/g, ' or ')}`;
    default:
      return `${at || 'record'}: ${e.message ?? e.keyword}`;
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The start of a wrong value, for the message. JSON.stringify recurses: a value nested a few
 * thousand levels deep (JSON.parse accepts it) would throw RangeError and take the reader down.
 */
function preview(v: unknown): string {
  try {
    // Cut at 60 UTF-16 units, never inside a surrogate pair.
    return String(JSON.stringify(v)).slice(0, 60).replace(LONE_SURROGATE, '');
  } catch {
    return Array.isArray(v) ? 'a deeply nested array' : 'a deeply nested object';
  }
}

/** Validate an already-parsed value against the schema; returns the problems (empty when valid). */
export function schemaErrors(value: unknown): string[] {
  if (fastValid(value)) return [];
  const validate = validateRecord();
  if (validate(value)) return [];
  // The if/then of tx_missed records reports its own failure after the real one: drop the echo.
  const errs = (validate.errors ?? []).filter((e) => e.keyword !== 'if');
  const obj = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  return errs.map((e) => {
    const msg = describe(e);
    const top = e.instancePath.split('/')[1];
    if (e.keyword !== 'required' && top && top in obj && e.instancePath.split('/').length === 2) {
      return `${msg} (got ${preview(obj[top])})`;
    }
    return msg;
  });
}

/** Numeric fields; ajv counts JSON.parse's Infinity (from 1e400) as an integer ≥ 0. */
const NUMERIC_FIELDS = ['timestamp', 'block_number', 'expected_timestamp', 'actual_timestamp', 'recovery_attempts', 'chain_id', 'slot', 'reorg_depth', 'recovered_at', 'recovery_ms', 'streak', 'beacon_slot'];

/** The first numeric field that holds Infinity (it would be written back as null), if any. */
function infiniteField(o: Record<string, unknown>): string | undefined {
  for (const k of NUMERIC_FIELDS) if (o[k] === Infinity) return k;
  return undefined;
}

/** Turn one log line (without its line ending) into a record, or say exactly why not. */
export function parseLogLine(line: string): ParseResult {
  if (line.length > MAX_LINE_BYTES) return { ok: false, message: `line is ${line.length} characters, longer than the ${MAX_LINE_BYTES} allowed` };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    // JSON.parse rejects a raw NUL anywhere, so it is only looked for here (not on every good line).
    const nul = line.indexOf('\u0000');
    if (nul !== -1) return { ok: false, message: 'line contains a NUL byte (torn or binary write?)', column: nul + 1 };
    const m = /position (\d+)/.exec(String((err as Error).message));
    // V8 quotes the offending character, which may be half of a surrogate pair: make it U+FFFD, as
    // writing it to a terminal would, so every reader of the message sees the same text.
    const msg = String((err as Error).message).replace(LONE_SURROGATE, '\ufffd');
    return { ok: false, message: `not valid JSON: ${msg}`, column: m ? Number(m[1]) + 1 : undefined };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, message: `expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}` };
  }
  const problems = schemaErrors(value);
  if (problems.length) return { ok: false, message: problems.join('; ') };
  const huge = infiniteField(value as Record<string, unknown>);
  if (huge) return { ok: false, message: `${huge}: must be a finite number (the value is too large to hold)` };
  return { ok: true, record: fromParsed(value as Record<string, unknown>) };
}
