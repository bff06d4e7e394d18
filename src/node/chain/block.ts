// A block (or newHeads header) as JSON-RPC returns it → BlockInfo. Malformed data is InvalidBlock:
// the node answered, but not with a block we can trust.
import type { BlockInfo } from '../../core/model';
import { ClassifiedError } from './errors';

const HASH = /^0x[0-9a-fA-F]{64}$/;
const QTY = /^0x[0-9a-fA-F]+$/;

export function parseBlock(raw: unknown, source: string, chainId: number | undefined, expectedNumber?: number): BlockInfo {
  const o = raw as Record<string, unknown> | null;
  const bad = (why: string) => new ClassifiedError('InvalidBlock', `${source}: ${why}`);
  if (!o || typeof o !== 'object') throw bad('block is not an object');
  const { number, hash, parentHash, timestamp } = o;
  if (typeof number !== 'string' || !QTY.test(number)) throw bad(`bad block number ${JSON.stringify(number)}`);
  if (typeof timestamp !== 'string' || !QTY.test(timestamp)) throw bad(`bad timestamp ${JSON.stringify(timestamp)}`);
  if (typeof hash !== 'string' || !HASH.test(hash)) throw bad(`bad hash ${JSON.stringify(hash)}`);
  if (typeof parentHash !== 'string' || !HASH.test(parentHash)) throw bad(`bad parentHash ${JSON.stringify(parentHash)}`);
  const n = Number(number);
  if (expectedNumber !== undefined && n !== expectedNumber) throw bad(`asked for block ${expectedNumber}, got ${n}`);
  const b: BlockInfo = { number: n, hash: hash.toLowerCase(), parentHash: parentHash.toLowerCase(), timestamp: Number(timestamp), source };
  if (chainId !== undefined) b.chainId = chainId;
  return b;
}
