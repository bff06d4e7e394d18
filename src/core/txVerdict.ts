// Why an expected transaction is not in its target block, from facts read on the node at the
// block's parent state (src/node/expect gathers them), and the `tx_missed` record that says so.
// Pure: numbers arrive as bigints, the clock as an argument.
//
// | check (in this order)                                    | reason            | verdict            |
// |----------------------------------------------------------|-------------------|--------------------|
// | signed for another chain                                 | Unknown           | wrong_chain        |
// | tx nonce ≠ sender's nonce at the parent (+ earlier ones)  | NonceMismatch     | nonce_mismatch     |
// | balance < gas limit × fee cap + value                    | InsufficientFunds | insufficient_funds |
// | gas limit > block gas limit, or > gas left in the block  | GasLimitExceeded  | gas_limit_exceeded |
// | fee cap below the block's base fee                       | Unknown           | fee_below_base_fee |
// | the call reverts at the parent state                     | ContractRevert    | reverted           |
// | would have succeeded                                     | Unknown           | not_included       |
// | hash only, and the node does not know the transaction    | Unknown           | unknown_tx         |
// | hash only, and it is in another block                    | Unknown           | other_block        |
import type { MissedBlock, MissedBlockReason } from './model';
import { severityFor } from './severity';

/** How the call was simulated; recorded in metadata.simulation. */
export type SimulationMethod = 'eth_simulateV1' | 'debug_traceCall' | 'eth_call';

export interface DecodedRevert {
  /** Error(string), Panic(uint256), a custom error of the user's ABI, or undecodable data. */
  kind: 'Error' | 'Panic' | 'custom' | 'unknown';
  /** Readable form: `Error("too low")`, `Panic(0x12: division or modulo by zero)`, `Low(5)`. */
  text: string;
  /** The revert data as returned (0x hex; '0x' when the node gave none). */
  data: string;
}

export type CallOutcome = { ok: true; gasUsed?: bigint } | { ok: false; revert: DecodedRevert };

export interface TxFacts {
  /** The transaction's chain id matches the node's (or the transaction names none). */
  chainMatches: boolean;
  nonce: bigint;
  /** What the sender's nonce had to be: its nonce at the parent plus earlier expected ones of this block. */
  expectedNonce: bigint;
  balance: bigint;
  /** gas limit × fee cap (maxFeePerGas or gasPrice) + value. */
  cost: bigint;
  gasLimit: bigint;
  blockGasLimit: bigint;
  blockGasUsed: bigint;
  feeCap: bigint;
  /** The target block's base fee (absent before London). */
  baseFee?: bigint;
  /** Absent when the earlier checks already decided (no simulation was needed). */
  call?: CallOutcome;
}

export interface TxVerdict {
  reason: MissedBlockReason;
  verdict: string;
  /** One sentence for people. */
  detail: string;
}

/** Checks that need no simulation; undefined when the transaction passes them all. */
export function precheckTx(f: TxFacts): TxVerdict | undefined {
  if (!f.chainMatches) return { reason: 'Unknown', verdict: 'wrong_chain', detail: 'signed for another chain' };
  if (f.nonce !== f.expectedNonce) {
    return { reason: 'NonceMismatch', verdict: 'nonce_mismatch', detail: `nonce ${f.nonce}, the sender's next nonce was ${f.expectedNonce}` };
  }
  if (f.balance < f.cost) return { reason: 'InsufficientFunds', verdict: 'insufficient_funds', detail: `balance ${f.balance} wei < ${f.cost} wei needed (gas × fee cap + value)` };
  if (f.gasLimit > f.blockGasLimit) return { reason: 'GasLimitExceeded', verdict: 'gas_limit_exceeded', detail: `gas limit ${f.gasLimit} > block gas limit ${f.blockGasLimit}` };
  const left = f.blockGasLimit - f.blockGasUsed;
  if (f.gasLimit > left) return { reason: 'GasLimitExceeded', verdict: 'gas_limit_exceeded', detail: `gas limit ${f.gasLimit} > ${left} gas left in the block` };
  if (f.baseFee !== undefined && f.feeCap < f.baseFee) return { reason: 'Unknown', verdict: 'fee_below_base_fee', detail: `fee cap ${f.feeCap} < base fee ${f.baseFee}` };
  return undefined;
}

/** The verdict for a transaction that is not in its target block. */
export function classifyTx(f: TxFacts): TxVerdict {
  const pre = precheckTx(f);
  if (pre) return pre;
  if (f.call && !f.call.ok) return { reason: 'ContractRevert', verdict: 'reverted', detail: `reverts: ${f.call.revert.text}` };
  return { reason: 'Unknown', verdict: 'not_included', detail: 'would have succeeded at the parent state but was not included' };
}

export interface TxMissedInput {
  /** Detection time, unix seconds. */
  now: number;
  target: { number: number; hash?: string; timestamp: number };
  chainId?: number;
  source?: string;
  txHash: string;
  sender?: string;
  verdict: TxVerdict;
  facts?: TxFacts;
  /** Which simulation decided (absent: the state reads alone did, or — without facts — nothing could be read). */
  simulation?: SimulationMethod;
  bundle?: string;
  /** Where the expectation came from: its line (or array position). */
  line?: number;
  /** Unknown fields of the expectation, kept. */
  extra?: Record<string, unknown>;
  /** Other facts worth keeping (e.g. the block a transaction landed in instead). */
  more?: Record<string, string | number | boolean | null>;
  alertThreshold: number;
}

/** The `tx_missed` record of one expected transaction that is not in its block. */
export function txMissedRecord(i: TxMissedInput): MissedBlock {
  const f = i.facts;
  const meta: Record<string, unknown> = { tx_hash: i.txHash.toLowerCase(), verdict: i.verdict.verdict, detail: i.verdict.detail };
  if (i.sender) meta.sender = i.sender;
  if (i.bundle !== undefined) meta.bundle = i.bundle;
  if (f) {
    meta.nonce_expected = f.expectedNonce.toString();
    meta.nonce_actual = f.nonce.toString();
    meta.balance = f.balance.toString();
    meta.cost = f.cost.toString();
    meta.gas_limit = f.gasLimit.toString();
    meta.block_gas_limit = f.blockGasLimit.toString();
    meta.block_gas_left = (f.blockGasLimit - f.blockGasUsed).toString();
    if (f.call && !f.call.ok) {
      meta.revert = f.call.revert.text;
      meta.revert_kind = f.call.revert.kind;
      meta.revert_data = f.call.revert.data;
    }
  }
  meta.simulation = i.simulation ?? (f ? 'state_reads' : 'none');
  if (i.line !== undefined) meta.expectation_line = i.line;
  if (i.more) Object.assign(meta, i.more);
  if (i.extra) meta.expectation = i.extra;
  const r: MissedBlock = {
    timestamp: i.now,
    block_number: i.target.number,
    reason: i.verdict.reason,
    severity: severityFor({ kind: 'tx_missed' }, i.alertThreshold),
    expected_timestamp: i.target.timestamp,
    actual_timestamp: i.now,
    recovery_attempts: 0,
    recovered: false,
    metadata: meta,
    alert_sent: false,
    kind: 'tx_missed',
  };
  if (i.target.hash) r.block_hash = i.target.hash;
  if (i.chainId !== undefined) r.chain_id = i.chainId;
  if (i.source) r.source = i.source;
  return r;
}
