// A seeded, reproducible generator of malformed missed-block log lines (mutations of valid
// README "The log format" records) interleaved with valid ones, for the fuzz suite.
//
// Ground truth does not come from the code under test. Each mutation states what it meant to do
// ("bad" or "valid"), and every line is also classified by `independentVerdict` below: a
// hand-written check of §3 (strict UTF-8 decoding, JSON.parse, then the ten required fields, the
// enums and the optional fields' types, written from the table, not from the schema file or ajv).
// Where a mutation meant to break a line but the line stayed valid (a bit flip inside a metadata
// string, a duplicate key whose last value is fine), the independent verdict wins and the line
// counts as valid. generate() throws if a deterministic mutation's intent and the independent
// verdict disagree, so the generator checks itself.

import { prng } from '../../helpers/prng';

export type Verdict = 'valid' | 'bad' | 'blank';

export interface GenLine {
  /** The bytes of the line, without its '\n'. */
  bytes: Buffer;
  /** Which mutation made it ('valid' for untouched records). */
  kind: string;
  /** Per the reader's rules (bytes, '\n' ends a line, one trailing CR stripped, BOM on line 1). */
  verdict: Verdict;
  /**
   * How an editor (and so the language server) sees the same bytes: decoded as UTF-8, split on
   * '\r\n', '\r' and '\n' (LSP line rules). One verdict per editor line.
   */
  editorLines: Verdict[];
}

export interface Generated {
  seed: number;
  lines: GenLine[];
  /** The file: lines joined with '\n', with a final '\n'. */
  file: Buffer;
}

const REASONS = ['NetworkLatency', 'NodeUnresponsive', 'RpcError', 'InvalidBlock', 'ChainReorg', 'GasLimitExceeded', 'NonceMismatch', 'InsufficientFunds', 'ContractRevert', 'Timeout', 'ConnectionLost', 'RateLimitExceeded', 'Unknown'];
const SEVERITIES = ['Low', 'Medium', 'High', 'Critical'];
const KINDS = ['gap', 'delayed', 'missed_slot', 'reorg'];
const REQUIRED = ['timestamp', 'block_number', 'reason', 'severity', 'expected_timestamp', 'actual_timestamp', 'recovery_attempts', 'recovered', 'metadata', 'alert_sent'];
const NON_NEG_INT = ['timestamp', 'block_number', 'expected_timestamp', 'actual_timestamp', 'recovery_attempts'];
const BOOLS = ['recovered', 'alert_sent'];

// ---------------------------------------------------------------------------------------------
// The independent check of §3.

const isNonNegInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
const isPlainObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Is a parsed value a valid record? Written from the README's "The log format", independently of the schema file. */
export function independentRecordOk(v: unknown): boolean {
  if (!isPlainObject(v)) return false;
  const o = v as Record<string, unknown>;
  for (const k of REQUIRED) if (!Object.prototype.hasOwnProperty.call(o, k)) return false;
  for (const k of NON_NEG_INT) if (!isNonNegInt(o[k])) return false;
  for (const k of BOOLS) if (typeof o[k] !== 'boolean') return false;
  if (typeof o.reason !== 'string' || !REASONS.includes(o.reason)) return false;
  if (typeof o.severity !== 'string' || !SEVERITIES.includes(o.severity)) return false;
  if (!isPlainObject(o.metadata)) return false;
  const has = (k: string) => Object.prototype.hasOwnProperty.call(o, k);
  if (has('kind') && (typeof o.kind !== 'string' || !KINDS.includes(o.kind))) return false;
  if (has('block_hash') && (typeof o.block_hash !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(o.block_hash))) return false;
  for (const k of ['chain_id', 'slot', 'recovered_at']) if (has(k) && !isNonNegInt(o[k])) return false;
  for (const k of ['reorg_depth', 'streak']) if (has(k) && !(isNonNegInt(o[k]) && (o[k] as number) >= 1)) return false;
  if (has('recovery_ms') && !(typeof o.recovery_ms === 'number' && o.recovery_ms >= 0)) return false;
  // maxLength counts code points (JSON Schema), not UTF-16 units.
  if (has('source') && !(typeof o.source === 'string' && [...o.source].length <= 256)) return false;
  return true;
}

const BLANK = /^[ \t\r]*$/;

/** Verdict on a line of text (already decoded), as any §3 reader must give it. */
export function textVerdict(text: string, firstLine: boolean): Verdict {
  if (BLANK.test(text)) return 'blank';
  const body = firstLine && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (Buffer.byteLength(body, 'utf8') > 1 << 20) return 'bad';
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return 'bad';
  }
  return independentRecordOk(v) ? 'valid' : 'bad';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Verdict on the bytes of a line: the reader's view (one trailing CR is part of a CRLF ending). */
export function bytesVerdict(bytes: Buffer, firstLine: boolean): Verdict {
  let b = bytes;
  if (b.length > 0 && b[b.length - 1] === 13) b = b.subarray(0, b.length - 1);
  if (b.length > 1 << 20) return 'bad';
  let text: string;
  try {
    text = strictUtf8.decode(b);
  } catch {
    return 'bad';
  }
  return textVerdict(text, firstLine);
}

/** What an editor shows for these bytes: replacement characters for bad UTF-8, CR/LF/CRLF split. */
export function editorVerdicts(bytes: Buffer, firstLine: boolean): Verdict[] {
  // The '\n' after the line makes a trailing CR part of one CRLF break.
  const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
  const text = bytes.toString('utf8', 0, end);
  return text.split(/\r\n|\r/).map((t, i) => textVerdict(t, firstLine && i === 0));
}

// ---------------------------------------------------------------------------------------------
// Valid records.

type Rec = Record<string, unknown>;

export function validRecord(r: () => number, i: number): Rec {
  const pick = <T>(a: readonly T[]) => a[Math.floor(r() * a.length)];
  const ts = 1_700_000_000 + i * 12;
  const late = Math.floor(r() * 60);
  const rec: Rec = {
    timestamp: ts + late,
    block_number: 18_000_000 + i,
    reason: pick(REASONS),
    severity: pick(SEVERITIES),
    expected_timestamp: ts,
    actual_timestamp: ts + late,
    recovery_attempts: Math.floor(r() * 4),
    recovered: r() < 0.5,
    metadata: r() < 0.5 ? {} : { rpc: 'http://127.0.0.1:8545', note: pick(['déjà vu', '区块', 'ok', 'a "quoted" \\ value', '😀 emoji']), n: Math.floor(r() * 100) },
    alert_sent: r() < 0.2,
  };
  if (r() < 0.7) rec.kind = pick(KINDS);
  if (r() < 0.3) rec.source = pick(['127.0.0.1:8545', 'node-a', 'relay.example:443']);
  if (r() < 0.2) rec.chain_id = 1;
  if (r() < 0.2) rec.block_hash = `0x${Math.floor(r() * 0xffffffff).toString(16).padStart(64, 'a')}`;
  if (rec.kind === 'missed_slot' && r() < 0.5) rec.slot = 9_000_000 + i;
  if (rec.kind === 'reorg') rec.reorg_depth = 1 + Math.floor(r() * 3);
  if (r() < 0.1) rec.x_unknown_field = { kept: true };
  return rec;
}

// ---------------------------------------------------------------------------------------------
// Mutations. Each returns the line's bytes and what it meant ('bad' or 'valid'); 'either' for
// random ones (bit flips, duplicate keys) whose outcome the independent verdict decides.

type Intent = 'bad' | 'valid' | 'either' | 'blank';
interface Mutated {
  bytes: Buffer;
  intent: Intent;
}
type Mutation = (rec: Rec, r: () => number) => Mutated;

const j = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');
const t = (s: string) => Buffer.from(s, 'utf8');
const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

function withField(rec: Rec, k: string, v: unknown): Rec {
  return { ...rec, [k]: v };
}

/** Replace the JSON value of top-level `key` in `line` with raw text (the key is present once). */
function rawValue(rec: Rec, key: string, raw: string): string {
  const marker = '\u0001MARK\u0001';
  return JSON.stringify(withField(rec, key, marker)).replace(JSON.stringify(marker), raw);
}

/** Offsets just after a ',' or ':' outside strings: places where JSON allows whitespace. */
function tokenGaps(s: string): number[] {
  const out: number[] = [];
  let inStr = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === ',' || c === ':') out.push(i + 1);
  }
  return out;
}

const pickOf = <T>(r: () => number, a: readonly T[]): T => a[Math.floor(r() * a.length)];

const MUTATIONS: Record<string, Mutation> = {
  truncate(rec, r) {
    const s = JSON.stringify(rec);
    // Any strict prefix of a JSON object is not JSON; cut on a code point boundary.
    const cps = [...s];
    const n = 1 + Math.floor(r() * (cps.length - 1));
    return { bytes: t(cps.slice(0, n).join('')), intent: 'bad' };
  },
  bitFlip(rec, r) {
    const b = Buffer.from(j(rec));
    // Flip one of the low 7 bits of an ASCII byte: stays ASCII (so the editor sees the same
    // text), and never makes a line break.
    for (;;) {
      const at = Math.floor(r() * b.length);
      if (b[at] >= 0x80) continue;
      const flipped = b[at] ^ (1 << Math.floor(r() * 7));
      if (flipped === 10 || flipped === 13) continue;
      b[at] = flipped;
      return { bytes: b, intent: 'either' };
    }
  },
  wrongType(rec, r) {
    const key = pickOf(r, REQUIRED);
    const wrong: unknown[] = NON_NEG_INT.includes(key)
      ? [String(rec[key]), 1.5, -1, true, null, [1], { n: 1 }]
      : BOOLS.includes(key)
        ? ['true', 1, 0, null, [], {}]
        : key === 'metadata'
          ? [[], 'x', 1, null, true]
          : [1, true, null, [String(rec[key])], { v: rec[key] }];
    return { bytes: j(withField(rec, key, pickOf(r, wrong))), intent: 'bad' };
  },
  missingRequired(rec, r) {
    const copy = { ...rec };
    delete copy[pickOf(r, REQUIRED)];
    return { bytes: j(copy), intent: 'bad' };
  },
  badEnum(rec, r) {
    const key = pickOf(r, ['reason', 'severity', 'kind']);
    const bogus = pickOf(r, ['', 'high', 'CRITICAL', ' Low', 'Medium ', 'Bogus', 'NetworkLatency\u0000', 'gap\t', 'Unknown\u200b', 'timeout']);
    return { bytes: j(withField(rec, key, bogus)), intent: 'bad' };
  },
  hugeNumberBad(rec, r) {
    const key = pickOf(r, NON_NEG_INT);
    return { bytes: t(rawValue(rec, key, pickOf(r, ['1e400', '-1e400', '-0.5', '1.0000001', '9'.repeat(400) + '.5']))), intent: 'bad' };
  },
  hugeNumberValid(rec, r) {
    // Integers by JSON Schema's rules (1e20 is an integer; so is 2^53 + 1, which parses to 2^53).
    const key = pickOf(r, NON_NEG_INT);
    return { bytes: t(rawValue(rec, key, pickOf(r, ['1e20', '9007199254740993', '123456789012345678901234567890', '1.0', '0', '1E3']))), intent: 'valid' };
  },
  nanLike(rec, r) {
    const key = pickOf(r, [...NON_NEG_INT, ...BOOLS]);
    return { bytes: t(rawValue(rec, key, pickOf(r, ['NaN', 'Infinity', '-Infinity', 'undefined', '0x10', '1_000', '+1', '01', '.5', 'True', 'nil', "'x'"]))), intent: 'bad' };
  },
  deepNestingBad(rec, r) {
    const n = pickOf(r, [50, 5_000, 50_000]);
    if (r() < 0.5) return { bytes: t(nested(n)), intent: 'bad' };
    // Deep in a required field: the message quotes the value, which must not recurse without end.
    return { bytes: t(rawValue(rec, pickOf(r, ['recovered', 'block_number', 'reason', 'metadata']), nested(n))), intent: 'bad' };
  },
  deepNestingValid(rec, r) {
    const n = pickOf(r, [50, 5_000, 50_000]);
    return { bytes: t(rawValue(rec, 'metadata', `{"deep":${nested(n)}}`)), intent: 'valid' };
  },
  longStringValid(rec, r) {
    const n = pickOf(r, [10_000, 100_000]);
    return { bytes: j(withField(rec, 'metadata', { long: 'x'.repeat(n) })), intent: 'valid' };
  },
  longSource(rec, r) {
    // maxLength 256 code points: 257 bad; 256 four-byte emoji (512 UTF-16 units) still valid.
    return r() < 0.5 ? { bytes: j(withField(rec, 'source', 's'.repeat(257 + Math.floor(r() * 1000)))), intent: 'bad' } : { bytes: j(withField(rec, 'source', '😀'.repeat(256))), intent: 'valid' };
  },
  overlong(rec) {
    // Longer than the 1 MiB a reader parses: reported without parsing.
    return { bytes: j(withField(rec, 'metadata', { pad: 'y'.repeat((1 << 20) + 10) })), intent: 'bad' };
  },
  invalidUtf8(rec, r) {
    // Bad bytes outside strings, so the editor's replacement character makes the text bad too.
    const s = JSON.stringify(rec);
    const gaps = tokenGaps(s);
    const at = pickOf(r, [0, ...gaps]);
    const junk = pickOf(r, [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]]);
    return { bytes: Buffer.concat([t(s.slice(0, at)), Buffer.from(junk), t(s.slice(at))]), intent: 'bad' };
  },
  nul(rec, r) {
    const s = JSON.stringify(rec);
    const at = Math.floor(r() * (s.length + 1));
    return { bytes: t(`${s.slice(0, at)}\u0000${s.slice(at)}`), intent: 'bad' };
  },
  loneSurrogateEscaped(rec, r) {
    // Escaped lone surrogates are valid JSON: a valid record that renderers must survive.
    const v = pickOf(r, ['\ud800', '\udfff', 'a\ud83dz', '\udc00\ud800']);
    return { bytes: j(withField(rec, 'metadata', { s: v })), intent: 'valid' };
  },
  loneSurrogateInEnum(rec, r) {
    return { bytes: j(withField(rec, pickOf(r, ['reason', 'severity']), '\ud800')), intent: 'bad' };
  },
  crInString(rec) {
    // A raw CR inside a string: not JSON for the reader, and two bad lines in an editor.
    const s = JSON.stringify(withField(rec, 'metadata', { note: 'before\u0001after' }));
    return { bytes: t(s.replace('\\u0001', '\r')), intent: 'bad' };
  },
  crBetweenTokens(rec, r) {
    // JSON whitespace, so the reader accepts the line, but an editor shows two broken lines.
    const s = JSON.stringify(rec);
    const at = pickOf(r, tokenGaps(s));
    return { bytes: t(`${s.slice(0, at)}\r${s.slice(at)}`), intent: 'valid' };
  },
  crlfEnding(rec) {
    return { bytes: t(`${JSON.stringify(rec)}\r`), intent: 'valid' };
  },
  bomMidFile(rec) {
    return { bytes: t(`\ufeff${JSON.stringify(rec)}`), intent: 'bad' };
  },
  duplicateKey(rec, r) {
    // JSON.parse keeps the last: the verdict depends on which value comes last.
    const key = pickOf(r, ['severity', 'reason', 'block_number', 'recovered']);
    const bad = JSON.stringify(key === 'block_number' ? -5 : key === 'recovered' ? 'no' : 'Nope');
    const s = JSON.stringify(rec).slice(0, -1);
    return { bytes: t(r() < 0.5 ? `${s},"${key}":${bad}}` : `{"${key}":${bad},${s.slice(1)}}`), intent: 'either' };
  },
  notAnObject(rec, r) {
    return { bytes: t(pickOf(r, [JSON.stringify([rec]), '[]', 'null', '"string"', '42', 'true', '{}', `${JSON.stringify(rec)}${JSON.stringify(rec)}`, `${JSON.stringify(rec)},`, `${JSON.stringify(rec)}}`, `{${JSON.stringify(rec)}}`])), intent: 'bad' };
  },
  nulls(rec, r) {
    const key = pickOf(r, [...REQUIRED, 'kind', 'source', 'block_hash', 'slot', 'chain_id']);
    return { bytes: j(withField(rec, key, null)), intent: 'bad' };
  },
  badOptional(rec, r) {
    const [k, v] = pickOf(r, [
      ['block_hash', '0x1234'],
      ['block_hash', `0x${'g'.repeat(64)}`],
      ['reorg_depth', 0],
      ['streak', 0],
      ['recovery_ms', -1],
      ['chain_id', -1],
      ['slot', 1.5],
      ['recovered_at', '2024-01-01'],
      ['source', 42],
      ['kind', 'Gap'],
    ] as [string, unknown][]);
    return { bytes: j(withField(rec, k, v)), intent: 'bad' };
  },
  blank(_rec, r) {
    return { bytes: t(pickOf(r, ['', ' ', '\t', '  \t  '])), intent: 'blank' };
  },
};

/** Relative weights: cheap, common corruptions more often; the costly ones (big lines) rarely. */
const WEIGHTS: Record<string, number> = {
  truncate: 14, bitFlip: 14, wrongType: 10, missingRequired: 8, badEnum: 8, hugeNumberBad: 4, hugeNumberValid: 2, nanLike: 5,
  deepNestingBad: 1, deepNestingValid: 0.3, longStringValid: 0.3, longSource: 2, overlong: 0.03, invalidUtf8: 6, nul: 4,
  loneSurrogateEscaped: 2, loneSurrogateInEnum: 2, crInString: 2, crBetweenTokens: 1, crlfEnding: 2, bomMidFile: 2,
  duplicateKey: 4, notAnObject: 4, nulls: 5, badOptional: 5, blank: 1,
};

export interface GenerateOptions {
  seed: number;
  /** Mutated lines (some stay valid; the verdict says). */
  mutated: number;
  /** Untouched valid records interleaved among them. */
  valid: number;
}

export function generate({ seed, mutated, valid }: GenerateOptions): Generated {
  const r = prng(seed);
  const names = Object.keys(WEIGHTS);
  const total = names.reduce((n, k) => n + WEIGHTS[k], 0);
  const pickMutation = (): string => {
    let x = r() * total;
    for (const k of names) if ((x -= WEIGHTS[k]) < 0) return k;
    return names[names.length - 1];
  };
  const lines: GenLine[] = [];
  let m = 0;
  let v = 0;
  for (let i = 0; m < mutated || v < valid; i++) {
    const rec = validRecord(r, i);
    // Line 1 is always a valid record behind a UTF-8 BOM (as Windows tools write it).
    const doValid = i === 0 || m >= mutated || (v < valid && r() < valid / (valid + mutated));
    let bytes: Buffer;
    let kind: string;
    let intent: Intent;
    if (doValid) {
      bytes = i === 0 ? t(`\ufeff${JSON.stringify(rec)}`) : j(rec);
      kind = i === 0 ? 'valid+bom' : 'valid';
      intent = 'valid';
      v++;
    } else {
      kind = pickMutation();
      ({ bytes, intent } = MUTATIONS[kind](rec, r));
      m++;
    }
    const first = i === 0;
    const verdict = bytesVerdict(bytes, first);
    if (intent !== 'either' && verdict !== intent) {
      throw new Error(`generator self-check: seed ${seed} line ${i + 1} (${kind}) meant ${intent}, independently ${verdict}: ${bytes.toString('utf8').slice(0, 200)}`);
    }
    if (bytes.includes(10)) throw new Error(`generator self-check: line ${i + 1} (${kind}) holds a '\\n'`);
    lines.push({ bytes, kind, verdict, editorLines: editorVerdicts(bytes, first) });
  }
  const parts: Buffer[] = [];
  for (const l of lines) parts.push(l.bytes, Buffer.from('\n'));
  return { seed, lines, file: Buffer.concat(parts) };
}

/** The seed: MBM_FUZZ_SEED when set, else a fresh one (printed by the test, so a failure can be replayed). */
export function fuzzSeed(): number {
  const env = process.env.MBM_FUZZ_SEED;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`MBM_FUZZ_SEED must be an integer 0..2^32-1, got ${env}`);
    return n;
  }
  return Math.floor(Math.random() * 0x100000000);
}
