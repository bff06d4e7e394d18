// Expected transactions: what a builder or relay tells the monitor it meant to land in a block.
// One JSON object per line (schema/expectation.schema.json):
//
//   {"block": 123, "raw": "0x02f8…"}            a signed transaction, as sent to the node
//   {"block": "next", "hash": "0x…", "bundle": "b1", "abi": [...]}
//
// Exactly one of `raw` / `hash`; `bundle` groups transactions that land together; `abi` (a JSON ABI
// or human-readable fragments) decodes custom revert errors. Unknown fields are kept. Pure: the
// transaction itself is decoded on the node side (ethers), this only checks the shape.

export interface Expectation {
  /** 1-based line (or array position) it came from, for messages. */
  line: number;
  /** Target block number, or 'next' (the block after the head when the expectation is read). */
  block: number | 'next';
  /** Signed raw transaction (0x hex). */
  raw?: string;
  /** Transaction hash (0x + 64 hex) when the raw transaction is not at hand. */
  hash?: string;
  bundle?: string;
  /** ABI used to decode custom errors (JSON fragments or human-readable signatures). */
  abi?: unknown[];
  /** Fields this version does not know, kept as given. */
  extra?: Record<string, unknown>;
}

export interface ExpectationError {
  line: number;
  message: string;
}

export interface ParsedExpectations {
  expectations: Expectation[];
  errors: ExpectationError[];
}

const KNOWN = new Set(['block', 'raw', 'hash', 'bundle', 'abi']);
const HASH = /^0x[0-9a-fA-F]{64}$/;
const HEX = /^0x(?:[0-9a-fA-F]{2})+$/;
/** A signed transaction is well under this (128 KiB is the txpool's own bound). */
export const MAX_RAW_HEX_CHARS = 2 + 2 * 128 * 1024;
/** Bundle ids are labels, not documents. */
export const MAX_BUNDLE_CHARS = 200;

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** One expectation from a parsed JSON value; a string is the reason it is refused. */
export function expectationFrom(v: unknown, line: number): Expectation | ExpectationError {
  const bad = (message: string): ExpectationError => ({ line, message });
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return bad('expected a JSON object like {"block": 123, "raw": "0x…"}');
  const o = v as Record<string, unknown>;
  const block = o.block;
  if (block === undefined) return bad('"block" is missing (a block number, or "next")');
  if (!(block === 'next' || (typeof block === 'number' && Number.isSafeInteger(block) && block >= 0))) {
    return bad(`"block" must be a whole number ≥ 0 or "next", got ${describe(block)}`);
  }
  const hasRaw = o.raw !== undefined;
  const hasHash = o.hash !== undefined;
  if (hasRaw === hasHash) return bad(hasRaw ? 'give "raw" or "hash", not both' : '"raw" (a signed transaction, 0x hex) or "hash" (0x + 64 hex digits) is missing');
  const e: Expectation = { line, block: block as number | 'next' };
  if (hasRaw) {
    if (typeof o.raw !== 'string' || !HEX.test(o.raw)) return bad(`"raw" must be a signed transaction as 0x hex (whole bytes), got ${describe(o.raw)}`);
    if (o.raw.length > MAX_RAW_HEX_CHARS) return bad(`"raw" is longer than ${(MAX_RAW_HEX_CHARS - 2) / 2} bytes`);
    e.raw = o.raw;
  } else {
    if (typeof o.hash !== 'string' || !HASH.test(o.hash)) return bad(`"hash" must be 0x and 64 hex digits, got ${describe(o.hash)}`);
    e.hash = o.hash.toLowerCase();
  }
  if (o.bundle !== undefined) {
    if (typeof o.bundle !== 'string' || o.bundle.length === 0 || o.bundle.length > MAX_BUNDLE_CHARS) {
      return bad(`"bundle" must be a non-empty string of at most ${MAX_BUNDLE_CHARS} characters, got ${describe(o.bundle)}`);
    }
    e.bundle = o.bundle;
  }
  if (o.abi !== undefined) {
    if (!Array.isArray(o.abi) || !o.abi.every((f) => typeof f === 'string' || (f !== null && typeof f === 'object' && !Array.isArray(f)))) {
      return bad('"abi" must be a JSON ABI: an array of fragment objects or human-readable signatures ("error Low(uint256)")');
    }
    e.abi = o.abi;
  }
  for (const [k, val] of Object.entries(o)) if (!KNOWN.has(k)) (e.extra ??= {})[k] = val;
  return e;
}

export function isExpectationError(x: Expectation | ExpectationError): x is ExpectationError {
  return 'message' in x;
}

/** JSON Lines text (blank lines skipped): every good line, and every bad one with its line number. */
export function parseExpectations(text: string): ParsedExpectations {
  const out: ParsedExpectations = { expectations: [], errors: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const src = lines[i].replace(/^\uFEFF/, '').trim();
    if (src === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(src);
    } catch (err) {
      out.errors.push({ line: i + 1, message: `not JSON (${(err as Error).message})` });
      continue;
    }
    const e = expectationFrom(v, i + 1);
    if (isExpectationError(e)) out.errors.push(e);
    else out.expectations.push(e);
  }
  return out;
}

/** A JSON array of expectation objects (the API's application/json body); positions are 1-based. */
export function parseExpectationArray(v: unknown): ParsedExpectations {
  const out: ParsedExpectations = { expectations: [], errors: [] };
  if (!Array.isArray(v)) {
    out.errors.push({ line: 0, message: 'expected a JSON array of expectations' });
    return out;
  }
  v.forEach((item, i) => {
    const e = expectationFrom(item, i + 1);
    if (isExpectationError(e)) out.errors.push(e);
    else out.expectations.push(e);
  });
  return out;
}

/** "line 3: …" messages, one a line, at most `max` (then how many more). */
export function formatExpectationErrors(errors: readonly ExpectationError[], max = 20): string {
  const shown = errors.slice(0, max).map((e) => (e.line > 0 ? `line ${e.line}: ${e.message}` : e.message));
  if (errors.length > max) shown.push(`… and ${errors.length - max} more`);
  return shown.join('\n');
}
