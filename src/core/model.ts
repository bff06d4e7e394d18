// The domain vocabulary, named exactly as the seed names it, so a log written by the Rust relay and
// one written here are the same file.

export const MISSED_BLOCK_REASONS = [
  'NetworkLatency',
  'NodeUnresponsive',
  'RpcError',
  'InvalidBlock',
  'ChainReorg',
  'GasLimitExceeded',
  'NonceMismatch',
  'InsufficientFunds',
  'ContractRevert',
  'Timeout',
  'ConnectionLost',
  'RateLimitExceeded',
  'Unknown',
] as const;
export type MissedBlockReason = (typeof MISSED_BLOCK_REASONS)[number];

/** Ordered from least to most severe: the index is the rank. */
export const MISSED_BLOCK_SEVERITIES = ['Low', 'Medium', 'High', 'Critical'] as const;
export type MissedBlockSeverity = (typeof MISSED_BLOCK_SEVERITIES)[number];

export const MISSED_BLOCK_KINDS = ['gap', 'delayed', 'missed_slot', 'reorg', 'payload_missed', 'tx_missed'] as const;
export type MissedBlockKind = (typeof MISSED_BLOCK_KINDS)[number];

export function severityRank(s: MissedBlockSeverity): number {
  return MISSED_BLOCK_SEVERITIES.indexOf(s);
}

export function maxSeverity(a: MissedBlockSeverity, b: MissedBlockSeverity): MissedBlockSeverity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

export function isReason(v: unknown): v is MissedBlockReason {
  return typeof v === 'string' && (MISSED_BLOCK_REASONS as readonly string[]).includes(v);
}

export function isSeverity(v: unknown): v is MissedBlockSeverity {
  return typeof v === 'string' && (MISSED_BLOCK_SEVERITIES as readonly string[]).includes(v);
}

export function isKind(v: unknown): v is MissedBlockKind {
  return typeof v === 'string' && (MISSED_BLOCK_KINDS as readonly string[]).includes(v);
}

/** A block as the monitor sees it arrive. Times are unix seconds; arrival is wall clock. */
export interface BlockInfo {
  number: number;
  hash: string;
  parentHash: string;
  timestamp: number;
  /** Wall-clock unix seconds (fractional allowed) at which our feed delivered the block. */
  receivedAt?: number;
  source?: string;
  chainId?: number;
}

export type MetadataValue = string | number | boolean | null;

/**
 * One log record. The first ten fields are required and spelled as the seed writes them; the rest
 * are this project's optional additions (ARCHITECTURE.md §3). Unknown fields from other writers
 * are kept in `extra` so that readers and exporters pass them through untouched.
 */
export interface MissedBlock {
  timestamp: number;
  block_number: number;
  reason: MissedBlockReason;
  severity: MissedBlockSeverity;
  expected_timestamp: number;
  actual_timestamp: number;
  recovery_attempts: number;
  recovered: boolean;
  metadata: Record<string, unknown>;
  alert_sent: boolean;
  kind?: MissedBlockKind;
  block_hash?: string;
  chain_id?: number;
  source?: string;
  slot?: number;
  reorg_depth?: number;
  recovered_at?: number;
  recovery_ms?: number;
  streak?: number;
  /** Relay side (kind payload_missed): the beacon slot the payload was delivered for. */
  beacon_slot?: number;
  proposer_pubkey?: string;
  builder_pubkey?: string;
  /** The relay that delivered the payload: host:port, never its URL. */
  relay?: string;
  /** The payload's value in wei, a decimal string (never a float). */
  payload_value_wei?: string;
  /** Fields this version does not know; preserved in order after the known ones. */
  extra?: Record<string, unknown>;
}

export const REQUIRED_FIELDS = [
  'timestamp',
  'block_number',
  'reason',
  'severity',
  'expected_timestamp',
  'actual_timestamp',
  'recovery_attempts',
  'recovered',
  'metadata',
  'alert_sent',
] as const;

export const OPTIONAL_FIELDS = [
  'kind',
  'block_hash',
  'chain_id',
  'source',
  'slot',
  'reorg_depth',
  'recovered_at',
  'recovery_ms',
  'streak',
  'beacon_slot',
  'proposer_pubkey',
  'builder_pubkey',
  'relay',
  'payload_value_wei',
] as const;

const KNOWN_FIELDS = new Set<string>([...REQUIRED_FIELDS, ...OPTIONAL_FIELDS]);

/**
 * Records of one (block_number, kind) pair describe one event; the last written wins. Missed
 * slots also carry their slot: several empty slots before one block share its block_number. A
 * missed payload is one per beacon slot and relay (two relays may deliver for one slot). Expected
 * transactions missing from one block carry their hash (metadata.tx_hash).
 */
export function recordKey(
  r: Pick<MissedBlock, 'block_number' | 'kind' | 'slot'> & Partial<Pick<MissedBlock, 'beacon_slot' | 'relay'>> & { metadata?: Record<string, unknown> },
): string {
  const kind = r.kind ?? 'gap';
  if (kind === 'payload_missed') return `${r.block_number}:${kind}:${r.beacon_slot ?? ''}:${r.relay ?? ''}`;
  if (kind === 'tx_missed') return `${r.block_number}:${kind}:${txHashOf(r)}`;
  return kind === 'missed_slot' && r.slot !== undefined ? `${r.block_number}:${kind}:${r.slot}` : `${r.block_number}:${kind}`;
}

/** The transaction a tx_missed record is about (lower-case hex), '' when it names none. */
export function txHashOf(r: { metadata?: Record<string, unknown> }): string {
  const h = r.metadata?.tx_hash;
  return typeof h === 'string' ? h.toLowerCase() : '';
}

/** The log line for a record: required fields in the seed's order, then the optional ones, then unknown ones. */
export function toLogLine(r: MissedBlock): string {
  const out: Record<string, unknown> = {};
  for (const k of REQUIRED_FIELDS) out[k] = r[k];
  for (const k of OPTIONAL_FIELDS) if (r[k] !== undefined) out[k] = r[k];
  if (r.extra) for (const [k, v] of Object.entries(r.extra)) if (!KNOWN_FIELDS.has(k)) out[k] = v;
  return JSON.stringify(out);
}

/**
 * The record of an already-validated parsed object (see log/validate.ts for the validation).
 * Unknown fields move to `extra`.
 */
export function fromParsed(obj: Record<string, unknown>): MissedBlock {
  // Hot path of every reader: most lines hold only known fields, and then the parsed object already
  // is the record (copying it cost as much as JSON.parse itself).
  let allKnown = true;
  for (const k in obj) {
    if (!KNOWN_FIELDS.has(k)) {
      allKnown = false;
      break;
    }
  }
  if (allKnown) return obj as unknown as MissedBlock;
  const r: Record<string, unknown> = {};
  let extra: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(obj)) {
    if (KNOWN_FIELDS.has(k)) r[k] = v;
    else (extra ??= {})[k] = v;
  }
  r.extra = extra;
  return r as unknown as MissedBlock;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
