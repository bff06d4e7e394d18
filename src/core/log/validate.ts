// The JSON Schema is the single truth about what a valid line is; this module compiles it once and
// turns ajv's errors into one readable sentence per problem.
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import schema from '../../../schema/missed-block.schema.json';
import { fromParsed, type MissedBlock } from '../model';

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validateRecord = ajv.compile(schema);

export type ParseResult = { ok: true; record: MissedBlock } | { ok: false; message: string; column?: number };

/** Longest line we try to parse; anything longer is reported, not parsed (protects memory). */
export const MAX_LINE_BYTES = 1 << 20;

function describe(e: ErrorObject): string {
  const at = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '';
  switch (e.keyword) {
    case 'required':
      return `missing required field '${(e.params as { missingProperty: string }).missingProperty}'`;
    case 'enum':
      return `${at}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    case 'type':
      return `${at || 'record'}: must be ${(e.params as { type: string | string[] }).type.toString().replace(/,/g, ' or ')}`;
    default:
      return `${at || 'record'}: ${e.message ?? e.keyword}`;
  }
}

/** Validate an already-parsed value against the schema; returns the problems (empty when valid). */
export function schemaErrors(value: unknown): string[] {
  if (validateRecord(value)) return [];
  const errs = validateRecord.errors ?? [];
  const obj = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  return errs.map((e) => {
    const msg = describe(e);
    const top = e.instancePath.split('/')[1];
    if (e.keyword !== 'required' && top && top in obj && e.instancePath.split('/').length === 2) {
      return `${msg} (got ${JSON.stringify(obj[top])?.slice(0, 60)})`;
    }
    return msg;
  });
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
    return { ok: false, message: `not valid JSON: ${(err as Error).message}`, column: m ? Number(m[1]) + 1 : undefined };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, message: `expected a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}` };
  }
  const problems = schemaErrors(value);
  if (problems.length) return { ok: false, message: problems.join('; ') };
  return { ok: true, record: fromParsed(value as Record<string, unknown>) };
}
