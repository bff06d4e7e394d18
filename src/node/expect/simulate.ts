// Runs expected transactions against a block's parent state on the node. The richest method the
// node offers is used — eth_simulateV1, else debug_traceCall (callTracer), else eth_call — and the
// one that answered is returned with the outcomes, so records can say how they were decided.
// eth_simulateV1 runs the missing transactions of a block as one simulated block, in order;
// debug_traceCall and eth_call run each on its own at the parent state (one JSON-RPC batch).
import type { Interface } from 'ethers';
import type { CallOutcome, SimulationMethod } from '../../core/txVerdict';
import { ClassifiedError, RpcResponseError } from '../chain/errors';
import type { RpcCall, RpcOutcome, RpcTransport } from '../chain/rpc';
import { decodeRevert } from './revert';
import type { TxFields } from './txInput';

export const SIMULATION_METHODS: readonly SimulationMethod[] = ['eth_simulateV1', 'debug_traceCall', 'eth_call'];

export interface SimulationRequest {
  tx: TxFields;
  iface?: Interface;
}

const hex = (n: bigint) => `0x${n.toString(16)}`;

function callObject(t: TxFields): Record<string, string> {
  const c: Record<string, string> = { from: t.from, gas: hex(t.gasLimit), value: hex(t.value), input: t.data, data: t.data };
  if (t.to) c.to = t.to;
  return c;
}

type PerCallMethod = Exclude<SimulationMethod, 'eth_simulateV1'>;

function rpcCall(method: PerCallMethod, t: TxFields, blockTag: string): RpcCall {
  switch (method) {
    case 'debug_traceCall':
      return { method, params: [callObject(t), blockTag, { tracer: 'callTracer' }] };
    case 'eth_call':
      return { method, params: [callObject(t), blockTag] };
  }
}

type Loose = Record<string, unknown>;

/** The node does not offer the method (or not in this form): try the next one. */
function unsupported(o: RpcOutcome): boolean {
  if (o.ok) return false;
  const cause = o.error.cause;
  if (cause instanceof RpcResponseError) {
    if (cause.code === -32601 || cause.code === -32602 || cause.code === -32600) return true;
    return /not (?:found|supported|available|implemented)|unsupported|does not exist|unknown method/i.test(cause.message);
  }
  return false;
}

/** Revert data carried by a JSON-RPC error (`data` as hex, or `{ data }` on some nodes). */
function errorData(o: RpcOutcome & { ok: false }): string | undefined {
  const d = o.error.cause instanceof RpcResponseError ? o.error.cause.data : undefined;
  if (typeof d === 'string') return d;
  if (d && typeof d === 'object' && typeof (d as Loose).data === 'string') return (d as Loose).data as string;
  return undefined;
}

function outcomeOf(method: SimulationMethod, o: RpcOutcome, iface: Interface | undefined): CallOutcome {
  if (!o.ok) {
    const data = errorData(o);
    if (data !== undefined) return { ok: false, revert: decodeRevert(data, iface) };
    // A failure that is the transaction's own (out of gas, invalid opcode...) rather than the node's.
    const msg = o.error.cause instanceof RpcResponseError ? o.error.cause.message : o.error.message;
    return { ok: false, revert: { kind: 'unknown', text: msg.slice(0, 200), data: '0x' } };
  }
  const r = o.result as Loose | Loose[] | null;
  if (method === 'eth_simulateV1') {
    const call = (Array.isArray(r) ? (r[0]?.calls as Loose[] | undefined) : undefined)?.[0];
    if (!call) throw new ClassifiedError('RpcError', 'eth_simulateV1: answer without a call result');
    if (call.status === '0x1') return { ok: true, gasUsed: typeof call.gasUsed === 'string' ? BigInt(call.gasUsed) : undefined };
    const err = call.error as Loose | undefined;
    const data = typeof err?.data === 'string' ? err.data : typeof call.returnData === 'string' ? call.returnData : undefined;
    if (data && data !== '0x') return { ok: false, revert: decodeRevert(data, iface) };
    return { ok: false, revert: { kind: 'unknown', text: typeof err?.message === 'string' ? err.message.slice(0, 200) : 'reverted without data', data: '0x' } };
  }
  if (method === 'debug_traceCall') {
    const t = (r ?? {}) as Loose;
    if (t.error === undefined) return { ok: true, gasUsed: typeof t.gasUsed === 'string' ? BigInt(t.gasUsed) : undefined };
    const data = typeof t.output === 'string' ? t.output : undefined;
    if (data && data !== '0x') return { ok: false, revert: decodeRevert(data, iface) };
    return { ok: false, revert: { kind: 'unknown', text: String(t.error).slice(0, 200), data: '0x' } };
  }
  return { ok: true };
}

/** Remembers, per node, which method worked, so a run of many expectations probes once. */
export class Simulator {
  private method: SimulationMethod | undefined;

  constructor(
    private readonly rpc: RpcTransport,
    private readonly offered: readonly SimulationMethod[] = SIMULATION_METHODS,
  ) {}

  /** Outcomes in request order and the method that produced them. A node failure throws (ClassifiedError). */
  async run(reqs: readonly SimulationRequest[], blockTag: string): Promise<{ method: SimulationMethod; outcomes: CallOutcome[] }> {
    const methods = this.method ? [this.method] : this.offered;
    for (let i = 0; i < methods.length; i++) {
      const method = methods[i];
      if (reqs.length === 0) return { method, outcomes: [] };
      const last = i === methods.length - 1;
      const outcomes = method === 'eth_simulateV1' ? await this.simulateBlock(reqs, blockTag, last) : await this.perCall(method as PerCallMethod, reqs, blockTag, last);
      if (!outcomes) continue;
      this.method = method;
      return { method, outcomes };
    }
    throw new ClassifiedError('RpcError', 'no simulation method answered');
  }

  /**
   * eth_simulateV1: the missing transactions as one simulated block on top of the parent, in
   * expectation order — as they would have run had they been included (a bundle's later members see
   * its earlier ones). One request, one block: far cheaper on the node than a block per call.
   */
  private async simulateBlock(reqs: readonly SimulationRequest[], blockTag: string, last: boolean): Promise<CallOutcome[] | undefined> {
    const [answer] = await this.rpc.batch([{ method: 'eth_simulateV1', params: [{ blockStateCalls: [{ calls: reqs.map((q) => callObject(q.tx)) }], validation: false }, blockTag] }]);
    if (!last && unsupported(answer)) return undefined;
    if (!answer.ok) throw answer.error;
    const calls = Array.isArray(answer.result) ? ((answer.result[0] as Loose | undefined)?.calls as Loose[] | undefined) : undefined;
    if (!calls || calls.length !== reqs.length) throw new ClassifiedError('RpcError', `eth_simulateV1: ${calls?.length ?? 0} call results for ${reqs.length} calls`);
    return calls.map((c, k) => outcomeOf('eth_simulateV1', { ok: true, result: [{ calls: [c] }] }, reqs[k].iface));
  }

  /** debug_traceCall / eth_call: each transaction on its own at the parent state, one batch. */
  private async perCall(method: PerCallMethod, reqs: readonly SimulationRequest[], blockTag: string, last: boolean): Promise<CallOutcome[] | undefined> {
    const answers = await this.rpc.batch(reqs.map((q) => rpcCall(method, q.tx, blockTag)));
    // The last method is the fallback: its errors are the transactions' (or the node's) own.
    if (!last && answers.some(unsupported)) return undefined;
    const failed = answers.find((a) => !a.ok && method !== 'eth_call' && !errorData(a as RpcOutcome & { ok: false }));
    if (failed && !failed.ok) throw failed.error;
    return answers.map((a, k) => outcomeOf(method, a, reqs[k].iface));
  }
}
