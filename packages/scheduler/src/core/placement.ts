/**
 * Choosing hosts for the new jobs of one (formation, type): among the
 * candidates with room for the request, the host with the fewest jobs of this
 * (formation, type), then the lowest memory load, then the lowest random
 * rank. Each placement is reserved in the ledger at once, so later choices
 * (in this group and in later groups of the same plan) see it.
 *
 * A binary heap keeps each choice O(log hosts): the only key that changes is
 * the chosen host's, and a host that cannot fit the request now never will in
 * this group (all its jobs request the same amount and room only shrinks), so
 * it is dropped when it reaches the top.
 */
import type { LedgerHost } from './host-ledger.js';
import { fits, memoryLoad, reserve } from './host-ledger.js';
import { MinHeap } from './min-heap.js';
import type { ResourceAmount } from './model.js';
import { shortageReason } from './resources.js';

export interface SpreadResult {
  /** The chosen host of each placed job, in placement order. */
  placed: LedgerHost[];
  /** Why the remaining `n - placed.length` jobs could not be placed. */
  reason?: string;
}

/** The placement order: fewer jobs of the group, lower memory load, lower rank. */
export function placementLess(counts: ReadonlyMap<string, number>): (a: LedgerHost, b: LedgerHost) => boolean {
  return (a, b) => {
    const ca = counts.get(a.id) ?? 0;
    const cb = counts.get(b.id) ?? 0;
    if (ca !== cb) return ca < cb;
    const la = memoryLoad(a);
    const lb = memoryLoad(b);
    if (la !== lb) return la < lb;
    return a.rank < b.rank;
  };
}

/**
 * Places `n` jobs requesting `request` on `candidates`, updating `counts`
 * (jobs of the group per host) and the ledger hosts' usage.
 */
export function placeSpread(candidates: readonly LedgerHost[], counts: Map<string, number>, request: ResourceAmount, n: number): SpreadResult {
  const placed: LedgerHost[] = [];
  if (n <= 0) return { placed };
  const heap = new MinHeap(placementLess(counts), candidates);
  while (placed.length < n) {
    const h = heap.pop();
    if (h === undefined) break;
    if (!fits(h, request)) continue;
    reserve(h, request);
    counts.set(h.id, (counts.get(h.id) ?? 0) + 1);
    placed.push(h);
    heap.push(h);
  }
  if (placed.length === n) return { placed };
  return { placed, reason: shortageFor(candidates, request) };
}

/** The shortage message for a request no candidate can take. */
export function shortageFor(candidates: readonly LedgerHost[], request: ResourceAmount, subject?: string): string {
  let memOk = false;
  let cpuOk = false;
  for (const h of candidates) {
    if (h.usedMemory + request.memory <= h.capacity.memory) memOk = true;
    if (h.usedCpu + request.cpu <= h.capacity.cpu) cpuOk = true;
  }
  return shortageReason(request, memOk, cpuOk, subject);
}
