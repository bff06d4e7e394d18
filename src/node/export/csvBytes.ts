// A CSV row of a validated record written straight into a byte buffer. Building the row as a JS
// string cost about 1 µs a record on the bench machine (six number-to-string conversions, then
// flattening and encoding the text) — as much as parsing the line; writing the digits costs a
// fraction. Only for rows whose cells need no quoting or escaping; others go through papaparse.
import { MISSED_BLOCK_REASONS, MISSED_BLOCK_SEVERITIES, type MissedBlock } from '../../core/model';

/** Room a row may need: six 16-digit numbers, the longest names, `false`, commas, '\n'. */
export const MAX_FAST_ROW_BYTES = 6 * 16 + 17 + 8 + 5 + 7 + 1 + 16;

const NAME_BYTES = new Map<unknown, Buffer>([...MISSED_BLOCK_REASONS, ...MISSED_BLOCK_SEVERITIES].map((n) => [n, Buffer.from(n)]));
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

/** Whole numbers 0 … 2^53: their digits are what String(n) gives. */
function plain(n: unknown): n is number {
  return typeof n === 'number' && n >= 0 && Number.isSafeInteger(n);
}

/** "00".."99" as byte pairs: two digits per division. */
const PAIRS = Buffer.from(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''));

function digitCount(n: number): number {
  if (n < 1e5) return n < 10 ? 1 : n < 100 ? 2 : n < 1e3 ? 3 : n < 1e4 ? 4 : 5;
  if (n < 1e10) return n < 1e6 ? 6 : n < 1e7 ? 7 : n < 1e8 ? 8 : n < 1e9 ? 9 : 10;
  let d = 10;
  for (let t = n / 1e10; t >= 1; t /= 10) d++;
  return d;
}

function writeUint(buf: Buffer, pos: number, n: number): number {
  const end = pos + digitCount(n);
  let p = end;
  // Above 2^31 int arithmetic would wrap: peel digits with float division first.
  while (n > 0x7fffffff) {
    const q = Math.floor(n / 100);
    const r = (n - q * 100) * 2;
    buf[--p] = PAIRS[r + 1];
    buf[--p] = PAIRS[r];
    n = q;
  }
  while (n >= 100) {
    const q = (n / 100) | 0;
    const r = (n - q * 100) * 2;
    buf[--p] = PAIRS[r + 1];
    buf[--p] = PAIRS[r];
    n = q;
  }
  if (n >= 10) {
    buf[--p] = PAIRS[n * 2 + 1];
    buf[--p] = PAIRS[n * 2];
  } else buf[--p] = 48 + n;
  return end;
}

function writeBytes(buf: Buffer, pos: number, b: Buffer): number {
  for (let i = 0; i < b.length; i++) buf[pos + i] = b[i];
  return pos + b.length;
}

/**
 * Writes the row of `r` (with '\n') at buf[pos]; needs MAX_FAST_ROW_BYTES of room. Returns the
 * end, or -1 when the record has a cell that must go through papaparse (text that is not one of
 * the enum names, a number that is negative or fractional, a non-boolean `recovered`).
 */
export function writeCsvRow(r: MissedBlock, buf: Buffer, pos: number): number {
  const reason = NAME_BYTES.get(r.reason);
  const severity = NAME_BYTES.get(r.severity);
  if (
    reason === undefined ||
    severity === undefined ||
    typeof r.recovered !== 'boolean' ||
    !plain(r.block_number) ||
    !plain(r.expected_timestamp) ||
    !plain(r.actual_timestamp) ||
    !plain(r.recovery_attempts) ||
    !plain(r.timestamp)
  ) {
    return -1;
  }
  let p = writeUint(buf, pos, r.block_number);
  buf[p++] = 44;
  p = writeBytes(buf, p, reason);
  buf[p++] = 44;
  p = writeBytes(buf, p, severity);
  buf[p++] = 44;
  p = writeUint(buf, p, r.expected_timestamp);
  buf[p++] = 44;
  p = writeUint(buf, p, r.actual_timestamp);
  buf[p++] = 44;
  p = writeUint(buf, p, r.recovery_attempts);
  buf[p++] = 44;
  p = writeBytes(buf, p, r.recovered ? TRUE : FALSE);
  buf[p++] = 44;
  p = writeUint(buf, p, r.timestamp);
  buf[p++] = 10;
  return p;
}
