// A skipped block was fetched by recovery: hold it, and its empty slots against the neighbours we
// hold become missed slots (§4), as they would have been had the feed delivered it. Each pair of
// adjacent blocks is judged once: when the later of the two to become known arrives. Pure.
import type { ChainWindow, HeldBlock } from './chainWindow';
import { slotDrafts, type Draft, type RuleContext } from './rules';

export function recoveredSlots(
  chain: ChainWindow,
  n: number,
  hash: string,
  timestamp: number,
  slots: boolean,
  ctx: () => RuleContext,
  add: (d: Draft) => void,
): void {
  if (chain.get(n)) return;
  const b: HeldBlock = { number: n, hash, parentHash: '', timestamp };
  chain.set(b);
  if (chain.get(n) === undefined || !slots) return; // below the window, or no slots to judge
  const prev = chain.get(n - 1);
  const next = chain.get(n + 1);
  if (prev) for (const d of slotDrafts(ctx(), prev, b, 'recovered_gap', ctx().maxGapRecords)) add(d);
  if (next) for (const d of slotDrafts(ctx(), b, next, 'recovered_gap', ctx().maxGapRecords)) add(d);
}
