// An expected transaction's fields, from its signed raw form (ethers' Transaction.from recovers the
// sender from the signature) or, for a hash-only expectation, from the node's eth_getTransactionByHash.
import { Transaction } from 'ethers';
import type { Expectation, ExpectationError } from '../../core/expectations';

export interface TxFields {
  hash: string;
  from: string;
  nonce: bigint;
  gasLimit: bigint;
  /** maxFeePerGas (EIP-1559 and later) or gasPrice (legacy, EIP-2930). */
  feeCap: bigint;
  value: bigint;
  to: string | null;
  data: string;
  /** undefined: the transaction names no chain (pre-EIP-155 legacy). */
  chainId?: bigint;
}

export interface ExpectedTx {
  exp: Expectation;
  hash: string;
  /** Known from the raw transaction, or once the node told us (hash-only expectations). */
  fields?: TxFields;
}

/** Decode a raw expectation; a bad one is an input error with its line. */
export function decodeRaw(e: Expectation & { raw: string }): ExpectedTx | ExpectationError {
  let tx: Transaction;
  try {
    tx = Transaction.from(e.raw);
  } catch (err) {
    return { line: e.line, message: `"raw" is not a transaction ethers can decode (${shortMessage(err)})` };
  }
  if (!tx.signature) return { line: e.line, message: '"raw" is an unsigned transaction: give the signed one, as sent to the node' };
  const hash = tx.hash!.toLowerCase();
  // Recovering the sender is the costly part (an elliptic-curve recovery, milliseconds in pure
  // JavaScript): done once, and only for a transaction that turns out to be missing.
  let from: string | undefined;
  return {
    exp: e,
    hash,
    fields: {
      hash,
      get from() {
        return (from ??= tx.from!);
      },
      nonce: BigInt(tx.nonce),
      gasLimit: tx.gasLimit,
      feeCap: tx.maxFeePerGas ?? tx.gasPrice ?? 0n,
      value: tx.value,
      to: tx.to,
      data: tx.data,
      chainId: tx.chainId === 0n ? undefined : tx.chainId,
    },
  };
}

function shortMessage(err: unknown): string {
  const e = err as { shortMessage?: unknown; message?: unknown };
  const m = typeof e?.shortMessage === 'string' ? e.shortMessage : typeof e?.message === 'string' ? e.message : String(err);
  return m.length > 160 ? `${m.slice(0, 160)}…` : m;
}

type Loose = Record<string, unknown>;

function big(v: unknown): bigint | undefined {
  if (typeof v !== 'string' || !/^0x[0-9a-fA-F]+$/.test(v)) return undefined;
  return BigInt(v);
}

/** Fields of a transaction object as eth_getTransactionByHash returns it; undefined when malformed. */
export function fieldsFromRpc(o: Loose): TxFields | undefined {
  const hash = typeof o.hash === 'string' ? o.hash.toLowerCase() : undefined;
  const from = typeof o.from === 'string' ? o.from : undefined;
  const nonce = big(o.nonce);
  const gasLimit = big(o.gas);
  const feeCap = big(o.maxFeePerGas) ?? big(o.gasPrice);
  const value = big(o.value) ?? 0n;
  const data = typeof o.input === 'string' ? o.input : typeof o.data === 'string' ? o.data : '0x';
  if (!hash || !from || nonce === undefined || gasLimit === undefined || feeCap === undefined) return undefined;
  const chainId = big(o.chainId);
  return { hash, from, nonce, gasLimit, feeCap, value, to: typeof o.to === 'string' ? o.to : null, data, chainId: chainId === 0n ? undefined : chainId };
}
