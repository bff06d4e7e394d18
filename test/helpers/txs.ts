// Real signed transactions for the expected-transaction tests: anvil's well-known dev accounts
// (its default mnemonic) sign with ethers; blocks are mined on demand with automine off.
import { HDNodeWallet, Transaction, Wallet, type TransactionRequest } from 'ethers';
import type { AnvilNode } from '../../src/node/chain/anvil';

/** Anvil's default mnemonic: its dev accounts are m/44'/60'/0'/0/i of it, each with 10 000 ETH. */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

export const ANVIL_CHAIN_ID = 31337;
export const GWEI = 1_000_000_000n;

const wallets = new Map<number, Wallet>();

/** Dev account i (0 … 9 are funded by anvil's defaults). */
export function devWallet(i: number): Wallet {
  let w = wallets.get(i);
  if (!w) {
    const hd = HDNodeWallet.fromPhrase(ANVIL_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`);
    w = new Wallet(hd.privateKey);
    wallets.set(i, w);
  }
  return w;
}

/** A signed EIP-1559 transaction (fees well above anvil's 1 gwei starting base fee). */
export async function signTx(w: Wallet, tx: TransactionRequest & { nonce: number }): Promise<{ raw: string; hash: string }> {
  const raw = await w.signTransaction({ type: 2, chainId: ANVIL_CHAIN_ID, gasLimit: 21_000n, maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: GWEI, value: 0n, ...tx });
  return { raw, hash: Transaction.from(raw).hash! };
}

export async function nonceOf(node: AnvilNode, address: string): Promise<number> {
  return Number(await node.rpc<string>('eth_getTransactionCount', [address, 'latest']));
}

/** With automine off: send these raw transactions, mine one block, return its number. */
export async function mineWith(node: AnvilNode, raws: readonly string[] = []): Promise<number> {
  for (const r of raws) await node.rpc('eth_sendRawTransaction', [r]);
  await node.rpc('evm_mine');
  return node.blockNumber();
}

/** Transaction hashes of block n. */
export async function blockTxs(node: AnvilNode, n: number): Promise<string[]> {
  const b = await node.rpc<{ transactions: string[] }>('eth_getBlockByNumber', [`0x${n.toString(16)}`, false]);
  return b.transactions.map((h) => h.toLowerCase());
}
