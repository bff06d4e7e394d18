// Judging expectations: for each target block, once it is final enough, which expected
// transactions are in it, and for each one that is not, why — from state reads and a simulation at
// the block's parent (core/txVerdict.ts classifies). Records are returned, not written: the CLI and
// the API write them where `watch` writes its own.
import type { MissedBlock } from '../../core/model';
import type { Expectation, ExpectationError } from '../../core/expectations';
import { classifyTx, precheckTx, txMissedRecord, type CallOutcome, type SimulationMethod, type TxFacts } from '../../core/txVerdict';
import { ClassifiedError } from '../chain/errors';
import type { RpcTransport } from '../chain/rpc';
import { interfaceOf } from './revert';
import { Simulator } from './simulate';
import { decodeRaw, fieldsFromRpc, type ExpectedTx, type TxFields } from './txInput';
import { waitForBlock } from './waitBlock';

export interface JudgeOptions {
  rpc: RpcTransport;
  /** Label of the endpoint for records (`host:port`, never the URL). */
  source?: string;
  /** Blocks on top of the target before it is judged. Default 0. */
  confirmations?: number;
  alertThreshold: number;
  /** Bound on waiting for a target block to be final enough. Default 5 min. */
  waitTimeoutMs?: number;
  pollIntervalMs?: number;
  signal?: AbortSignal;
  /** Unix seconds (tests). */
  now?: () => number;
  simulator?: Simulator;
}

export interface JudgeResult {
  /** One per expected transaction that is not in its block. */
  records: MissedBlock[];
  judged: number;
  included: number;
  /** Blocks that could not be judged (the node failed or the wait ran out), with why. */
  failures: { block: number; lines: number[]; message: string }[];
}

type Loose = Record<string, unknown>;
const num = (v: unknown) => (typeof v === 'string' ? Number(BigInt(v)) : NaN);
const big = (v: unknown) => (typeof v === 'string' && v.startsWith('0x') ? BigInt(v) : undefined);
const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * Decode every expectation and resolve "next" against the head. Bad raw transactions are input
 * errors (with their lines): nothing is judged while any is left.
 */
export async function prepareExpectations(exps: readonly Expectation[], rpc: RpcTransport): Promise<{ txs: (ExpectedTx & { target: number })[]; errors: ExpectationError[] }> {
  const errors: ExpectationError[] = [];
  const txs: (ExpectedTx & { target: number })[] = [];
  let head: number | undefined;
  for (const e of exps) {
    let target: number;
    if (e.block === 'next') target = (head ??= num(await rpc.call('eth_blockNumber'))) + 1;
    else target = e.block;
    if (e.raw !== undefined) {
      const d = decodeRaw(e as Expectation & { raw: string });
      if ('message' in d) errors.push(d);
      else txs.push({ ...d, target });
    } else txs.push({ exp: e, hash: e.hash!, target });
  }
  return { txs, errors };
}

/** The result, or the input errors (raw transactions that do not decode) that stopped it. */
export type JudgeOutcome = JudgeResult & { errors: ExpectationError[] };

export async function judgeExpectations(exps: readonly Expectation[], o: JudgeOptions): Promise<JudgeOutcome> {
  const { txs, errors } = await prepareExpectations(exps, o.rpc);
  const result: JudgeOutcome = { records: [], judged: 0, included: 0, failures: [], errors };
  if (errors.length > 0) return result;
  const byBlock = new Map<number, (ExpectedTx & { target: number })[]>();
  for (const t of txs) {
    const list = byBlock.get(t.target) ?? [];
    list.push(t);
    byBlock.set(t.target, list);
  }
  const sim = o.simulator ?? new Simulator(o.rpc);
  let chainId: bigint | undefined;
  for (const block of [...byBlock.keys()].sort((a, b) => a - b)) {
    const list = byBlock.get(block)!;
    try {
      chainId ??= BigInt(await o.rpc.call<string>('eth_chainId'));
      await waitForBlock(o.rpc, block + (o.confirmations ?? 0), { timeoutMs: o.waitTimeoutMs ?? 300_000, intervalMs: o.pollIntervalMs ?? 500, signal: o.signal });
      const out = await judgeBlock(block, list, chainId, sim, o);
      result.records.push(...out.records);
      result.judged += list.length;
      result.included += out.included;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      result.failures.push({ block, lines: list.map((t) => t.exp.line), message });
    }
  }
  return result;
}

async function judgeBlock(
  number: number,
  list: readonly (ExpectedTx & { target: number })[],
  chainId: bigint,
  sim: Simulator,
  o: JudgeOptions,
): Promise<{ records: MissedBlock[]; included: number }> {
  // Full transactions: the node's `from` of those that landed saves recovering their senders.
  const block = await o.rpc.call<Loose | null>('eth_getBlockByNumber', [hex(number), true]);
  if (!block) throw new ClassifiedError('RpcError', `block ${number} is not on the node`);
  const inBlock = new Map<string, string>();
  for (const tx of (block.transactions as Loose[] | undefined) ?? []) {
    if (tx && typeof tx === 'object' && typeof tx.hash === 'string') inBlock.set(tx.hash.toLowerCase(), typeof tx.from === 'string' ? tx.from.toLowerCase() : '');
  }
  const target = { number, hash: typeof block.hash === 'string' ? block.hash : undefined, timestamp: num(block.timestamp) };
  const parentTag = hex(Math.max(0, number - 1));
  const now = o.now ?? (() => Math.floor(Date.now() / 1000));
  const records: MissedBlock[] = [];
  const base = { target, chainId: Number(chainId), source: o.source, alertThreshold: o.alertThreshold };

  // Hash-only expectations not in the block: ask the node what it knows of them.
  const unknownHashes = list.filter((t) => !t.fields && !inBlock.has(t.hash));
  if (unknownHashes.length > 0) {
    const answers = await o.rpc.batch(unknownHashes.map((t) => ({ method: 'eth_getTransactionByHash', params: [t.hash] })));
    answers.forEach((a, i) => {
      if (!a.ok) throw a.error;
      const t = unknownHashes[i];
      const tx = a.result as Loose | null;
      if (tx && tx.blockNumber != null) {
        t.fields = undefined;
        (t as { elsewhere?: number }).elsewhere = num(tx.blockNumber);
      } else if (tx) t.fields = fieldsFromRpc(tx);
    });
  }

  // Senders' nonces and balances at the parent state, for the missing transactions we know the fields of.
  const senders = [...new Set(list.filter((t) => t.fields && !inBlock.has(t.hash)).map((t) => t.fields!.from.toLowerCase()))];
  const state = new Map<string, { nonce: bigint; balance: bigint }>();
  if (senders.length > 0) {
    const answers = await o.rpc.batch(
      senders.flatMap((s) => [
        { method: 'eth_getTransactionCount', params: [s, parentTag] },
        { method: 'eth_getBalance', params: [s, parentTag] },
      ]),
    );
    senders.forEach((s, i) => {
      const n = answers[2 * i];
      const b = answers[2 * i + 1];
      if (!n.ok) throw n.error;
      if (!b.ok) throw b.error;
      state.set(s, { nonce: BigInt(n.result as string), balance: BigInt(b.result as string) });
    });
  }

  // Facts in expectation order: a sender's later transactions expect the nonce after its earlier ones.
  const running = new Map<string, bigint>();
  const missing: { t: ExpectedTx; facts?: TxFacts }[] = [];
  let included = 0;
  for (const t of list) {
    const f = t.fields;
    const landedFrom = inBlock.get(t.hash);
    if (landedFrom !== undefined) included++;
    // Only senders with a missing transaction matter; one that landed still moves their nonce on.
    const s = landedFrom ?? f?.from.toLowerCase();
    const st = s !== undefined ? state.get(s) : undefined;
    if (!f || !st || s === undefined) {
      if (landedFrom === undefined) missing.push({ t });
      continue;
    }
    const expectedNonce = running.get(s) ?? st.nonce;
    if (f.nonce === expectedNonce) running.set(s, expectedNonce + 1n);
    if (landedFrom === undefined) missing.push({ t, facts: factsOf(f, expectedNonce, st.balance, block, chainId) });
  }

  // Simulate only what the state reads did not already decide.
  const toSimulate = missing.filter((m) => m.facts && !precheckTx(m.facts));
  let method: SimulationMethod | undefined;
  if (toSimulate.length > 0) {
    const res = await sim.run(
      toSimulate.map((m) => ({ tx: m.t.fields!, iface: interfaceOf(m.t.exp.abi) })),
      parentTag,
    );
    method = res.method;
    toSimulate.forEach((m, i) => (m.facts!.call = res.outcomes[i] as CallOutcome));
  }

  const at = now();
  for (const m of missing) {
    const e = m.t.exp;
    const common = { ...base, now: at, txHash: m.t.hash, bundle: e.bundle, line: e.line, extra: e.extra };
    const elsewhere = (m.t as { elsewhere?: number }).elsewhere;
    if (!m.facts) {
      const verdict =
        elsewhere !== undefined
          ? { reason: 'Unknown' as const, verdict: 'other_block', detail: `included in block ${elsewhere} instead` }
          : { reason: 'Unknown' as const, verdict: 'unknown_tx', detail: 'the node does not know this transaction: give its raw form to judge it' };
      records.push(txMissedRecord({ ...common, verdict, ...(elsewhere !== undefined ? { more: { included_block: elsewhere } } : {}) }));
      continue;
    }
    records.push(
      txMissedRecord({
        ...common,
        sender: m.t.fields!.from,
        verdict: classifyTx(m.facts),
        facts: m.facts,
        ...(m.facts.call ? { simulation: method } : {}),
      }),
    );
  }
  return { records, included };
}

function factsOf(f: TxFields, expectedNonce: bigint, balance: bigint, block: Loose, chainId: bigint): TxFacts {
  return {
    chainMatches: f.chainId === undefined || f.chainId === chainId,
    nonce: f.nonce,
    expectedNonce,
    balance,
    cost: f.gasLimit * f.feeCap + f.value,
    gasLimit: f.gasLimit,
    blockGasLimit: big(block.gasLimit) ?? 0n,
    blockGasUsed: big(block.gasUsed) ?? 0n,
    feeCap: f.feeCap,
    baseFee: big(block.baseFeePerGas),
  };
}
