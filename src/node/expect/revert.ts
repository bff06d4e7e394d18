// Revert data → readable text: Solidity's Error(string) and Panic(uint256), and custom errors of
// the ABI the user gave with the expectation (ethers' Interface does the ABI decoding).
import { AbiCoder, Interface, type InterfaceAbi } from 'ethers';
import type { DecodedRevert } from '../../core/txVerdict';

const ERROR_SELECTOR = '0x08c379a0';
const PANIC_SELECTOR = '0x4e487b71';

/** Solidity's panic codes (docs: "Panic via assert and Error via require"). */
const PANIC_CODES: Record<number, string> = {
  0x00: 'generic compiler panic',
  0x01: 'assert(false)',
  0x11: 'arithmetic overflow or underflow',
  0x12: 'division or modulo by zero',
  0x21: 'conversion to an invalid enum value',
  0x22: 'incorrectly encoded storage byte array',
  0x31: 'pop() on an empty array',
  0x32: 'array index out of bounds',
  0x41: 'too much memory allocated',
  0x51: 'call to a zero-initialized function',
};

function formatArg(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(formatArg).join(', ')}]`;
  return String(v);
}

/** An Interface over the user's ABI, or undefined when it has none (or it cannot be read). */
export function interfaceOf(abi: readonly unknown[] | undefined): Interface | undefined {
  if (!abi || abi.length === 0) return undefined;
  try {
    return new Interface(abi as InterfaceAbi);
  } catch {
    return undefined;
  }
}

export function decodeRevert(data: string | undefined, iface?: Interface): DecodedRevert {
  const hex = typeof data === 'string' && /^0x[0-9a-fA-F]*$/.test(data) ? data.toLowerCase() : '0x';
  const selector = hex.slice(0, 10);
  const body = `0x${hex.slice(10)}`;
  try {
    if (selector === ERROR_SELECTOR) {
      const [msg] = AbiCoder.defaultAbiCoder().decode(['string'], body);
      return { kind: 'Error', text: `Error(${JSON.stringify(msg)})`, data: hex };
    }
    if (selector === PANIC_SELECTOR) {
      const [code] = AbiCoder.defaultAbiCoder().decode(['uint256'], body) as unknown as [bigint];
      const n = Number(code);
      const what = PANIC_CODES[n] ?? 'unknown panic code';
      return { kind: 'Panic', text: `Panic(0x${code.toString(16).padStart(2, '0')}: ${what})`, data: hex };
    }
    const parsed = iface && hex.length >= 10 ? iface.parseError(hex) : null;
    if (parsed) return { kind: 'custom', text: `${parsed.name}(${[...parsed.args].map(formatArg).join(', ')})`, data: hex };
  } catch {
    // Data that claims a selector but does not decode: shown raw below.
  }
  if (hex === '0x') return { kind: 'unknown', text: 'reverted without data', data: hex };
  return { kind: 'unknown', text: `reverted with undecoded data ${hex.length > 74 ? `${hex.slice(0, 74)}…` : hex}`, data: hex };
}
