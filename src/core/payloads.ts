// The relay's view, pure: a payload the relay delivered for a beacon slot (a BidTrace of the Data
// API's proposer_payload_delivered) judged against what the beacon chain has at that slot, and the
// one "value lost" tally every view uses (stats, report, /stats, metrics, tree, status bar, alerts).
// Wei are BigInt and decimal strings from end to end: a float never holds a value.
import type { MissedBlock, MissedBlockSeverity } from './model';

/** A delivered payload, parsed from a BidTrace (numbers the relay sends as strings are numbers or BigInt-safe strings here). */
export interface DeliveredPayload {
  slot: number;
  parent_hash: string;
  block_hash: string;
  builder_pubkey: string;
  proposer_pubkey: string;
  proposer_fee_recipient: string;
  gas_limit: number;
  gas_used: number;
  /** Wei, decimal string. */
  value: string;
  /** Present on relays that serve BidTraceV2. */
  block_number?: number;
  num_tx?: number;
}

/** What the beacon chain holds at the payload's slot. */
export type SlotContent =
  | { block: false }
  /** A block; its execution payload's hash and number when the node serves them (post-merge). */
  | { block: true; executionBlockHash?: string; executionBlockNumber?: number };

export type PayloadOutcome =
  /** The delivered payload is the slot's execution payload. */
  | { status: 'landed' }
  /** A block is there but carries no execution payload to compare with (pre-merge chain). */
  | { status: 'unverifiable' }
  /** Delivered, and the slot has no block. */
  | { status: 'missed' }
  /** Delivered, and the proposer published a block with another execution payload. */
  | { status: 'replaced'; replacedBy: string; replacedByNumber?: number };

export function judgePayload(p: Pick<DeliveredPayload, 'block_hash'>, slot: SlotContent): PayloadOutcome {
  if (!slot.block) return { status: 'missed' };
  if (slot.executionBlockHash === undefined) return { status: 'unverifiable' };
  if (slot.executionBlockHash.toLowerCase() === p.block_hash.toLowerCase()) return { status: 'landed' };
  return { status: 'replaced', replacedBy: slot.executionBlockHash, ...(slot.executionBlockNumber !== undefined ? { replacedByNumber: slot.executionBlockNumber } : {}) };
}

const WEI_TEXT = /^(0|[1-9][0-9]{0,77})$/;

/** A wei amount as the log writes it: a decimal integer string, no sign, no leading zeros. */
export function isWeiString(v: unknown): v is string {
  return typeof v === 'string' && WEI_TEXT.test(v);
}

/**
 * "1", "0.5", 2 → wei, exactly (decimal arithmetic on the digits, never a float product). At most
 * 18 decimals; anything else throws a RangeError saying what was expected.
 */
export function ethToWei(eth: number | string): bigint {
  // A number's shortest decimal form (String(0.1) is "0.1"), never its binary expansion.
  const text = typeof eth === 'number' ? String(eth) : eth.trim();
  const m = /^(\d+)(?:\.(\d{1,18}))?$/.exec(text);
  if (!m) throw new RangeError(`expected an amount of ETH ≥ 0 with at most 18 decimals, like 1 or "0.25", got ${JSON.stringify(eth)}`);
  return BigInt(m[1]) * 10n ** 18n + BigInt((m[2] ?? '').padEnd(18, '0'));
}

/** Wei → "1.2345 ETH" (truncated to `decimals`, trailing zeros dropped; exact). */
export function formatEth(wei: bigint | string, decimals = 4): string {
  const w = typeof wei === 'bigint' ? wei : BigInt(wei);
  const whole = w / 10n ** 18n;
  const frac = (w % 10n ** 18n).toString().padStart(18, '0').slice(0, decimals).replace(/0+$/, '');
  if (whole === 0n && frac === '' && w > 0n) return `< 0.${'0'.repeat(Math.max(0, decimals - 1))}1 ETH`;
  return `${whole}${frac ? `.${frac}` : ''} ETH`;
}

/** Above the critical value: Critical; else High (a lost payload is never minor to a relay). */
export function payloadSeverity(valueWei: string | bigint, criticalWei: bigint): MissedBlockSeverity {
  return BigInt(valueWei) > criticalWei ? 'Critical' : 'High';
}

export interface PayloadRecordContext {
  /** host:port of the relay (endpointLabel), never its URL. */
  relay: string;
  /** The monitor's own source label (what its other records carry). */
  source: string;
  chainId?: number;
  /** Unix s of slot 0 and seconds per slot (beacon genesis and spec), for expected_timestamp. */
  genesisTime: number;
  secondsPerSlot: number;
  detectedAt: number;
  criticalWei: bigint;
}

/** The `payload_missed` record for a payload that did not land; null when it landed or cannot be judged. */
export function payloadRecord(p: DeliveredPayload, outcome: PayloadOutcome, ctx: PayloadRecordContext): MissedBlock | null {
  if (outcome.status === 'landed' || outcome.status === 'unverifiable') return null;
  const blockNumber = p.block_number ?? (outcome.status === 'replaced' ? outcome.replacedByNumber : undefined) ?? 0;
  const metadata: Record<string, unknown> = {
    outcome: outcome.status === 'missed' ? 'no_block' : 'replaced',
    parent_hash: p.parent_hash,
    proposer_fee_recipient: p.proposer_fee_recipient,
    gas_limit: p.gas_limit,
    gas_used: p.gas_used,
    ...(p.num_tx !== undefined ? { num_tx: p.num_tx } : {}),
    ...(p.block_number === undefined ? { block_number_known: false } : {}),
  };
  if (outcome.status === 'replaced') {
    metadata.replaced_by = outcome.replacedBy;
    if (outcome.replacedByNumber !== undefined) metadata.replaced_by_number = outcome.replacedByNumber;
  }
  return {
    timestamp: ctx.detectedAt,
    block_number: blockNumber,
    reason: 'Unknown',
    severity: payloadSeverity(p.value, ctx.criticalWei),
    expected_timestamp: Math.max(0, Math.round(ctx.genesisTime + p.slot * ctx.secondsPerSlot)),
    actual_timestamp: ctx.detectedAt,
    recovery_attempts: 0,
    recovered: false,
    metadata,
    alert_sent: false,
    kind: 'payload_missed',
    block_hash: p.block_hash,
    ...(ctx.chainId !== undefined ? { chain_id: ctx.chainId } : {}),
    source: ctx.source,
    beacon_slot: p.slot,
    proposer_pubkey: p.proposer_pubkey,
    builder_pubkey: p.builder_pubkey,
    relay: ctx.relay,
    payload_value_wei: p.value,
  };
}

// ------------------------------------------------------------------------------- value lost

export interface RelayValueLost {
  /** Missed payloads this relay delivered. */
  count: number;
  /** Their value, wei, decimal string. */
  wei: string;
}

/** `value_lost` in stats, `mbm report --json` and /stats. */
export interface ValueLost {
  /** Distinct missed payloads (one payload delivered by two relays counts once). */
  count: number;
  /** Their value, wei, decimal string. */
  wei: string;
  /** Per relay label, sorted by name: what each relay delivered that was lost. */
  by_relay: Record<string, RelayValueLost>;
}

interface Held {
  relay: string;
  payload: string;
  wei: bigint;
}

/**
 * The one tally of missed payloads. Records are keyed as readers key them (beacon slot and relay),
 * so a record written again (alert_sent flipped) replaces its older version instead of counting
 * twice. The total counts each payload (slot, block hash) once even when several relays delivered
 * it; per relay, each relay's own deliveries.
 */
export class ValueLostTally {
  private readonly held = new Map<string, Held>();

  /** Any record; only valid `payload_missed` ones count. */
  add(r: Pick<MissedBlock, 'kind' | 'beacon_slot' | 'relay' | 'payload_value_wei' | 'block_hash'>): void {
    if (r.kind !== 'payload_missed' || !isWeiString(r.payload_value_wei)) return;
    const relay = r.relay ?? '';
    const slot = r.beacon_slot ?? -1;
    this.held.set(`${slot}\u0000${relay}`, { relay, payload: `${slot}\u0000${(r.block_hash ?? '').toLowerCase()}`, wei: BigInt(r.payload_value_wei) });
  }

  get size(): number {
    return this.held.size;
  }

  summary(): ValueLost {
    const payloads = new Map<string, bigint>();
    const relays = new Map<string, { count: number; wei: bigint }>();
    for (const h of this.held.values()) {
      payloads.set(h.payload, h.wei);
      const r = relays.get(h.relay) ?? { count: 0, wei: 0n };
      r.count += 1;
      r.wei += h.wei;
      relays.set(h.relay, r);
    }
    let total = 0n;
    for (const w of payloads.values()) total += w;
    const by_relay: Record<string, RelayValueLost> = Object.create(null);
    for (const name of [...relays.keys()].sort()) by_relay[name] = { count: relays.get(name)!.count, wei: relays.get(name)!.wei.toString() };
    return { count: payloads.size, wei: total.toString(), by_relay };
  }
}

/** The value lost over a set of records. */
export function valueLost(records: Iterable<Pick<MissedBlock, 'kind' | 'beacon_slot' | 'relay' | 'payload_value_wei' | 'block_hash'>>): ValueLost {
  const t = new ValueLostTally();
  for (const r of records) t.add(r);
  return t.summary();
}

/** "2 missed payloads, 1.5 ETH" — the words the tree, status bar, report and alerts use. */
export function formatValueLost(v: Pick<ValueLost, 'count' | 'wei'>): string {
  return `${v.count} missed payload${v.count === 1 ? '' : 's'}, ${formatEth(v.wei)}`;
}
