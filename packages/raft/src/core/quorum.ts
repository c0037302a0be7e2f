/**
 * Majority quorum arithmetic, pure (etcd `quorum/majority.go`). Property tests
 * in `quorum.test.ts` compare these with naive versions.
 */
import type { NodeId } from './types.js';

export type VoteResult = 'pending' | 'won' | 'lost';

/** The number of votes a majority of `n` voters needs. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The largest index that a majority of `voters` has matched: sort the match
 * indexes in descending order and take the `majority(n)`-th. A voter without a
 * known match counts as 0. With no voters the result is 0 (nothing can commit).
 */
export function committedIndex(voters: Iterable<NodeId>, matchOf: (id: NodeId) => number | undefined): number {
  const matches: number[] = [];
  for (const id of voters) matches.push(matchOf(id) ?? 0);
  if (matches.length === 0) return 0;
  matches.sort((a, b) => b - a);
  return matches[majority(matches.length) - 1]!;
}

/**
 * Tallies a vote: `won` once a majority said yes, `lost` once a majority can no
 * longer be reached, `pending` otherwise. `voteOf` returns undefined for a
 * voter that has not answered. With no voters the vote is `won` (etcd's
 * convention; callers never campaign without being a voter).
 */
export function voteResult(voters: Iterable<NodeId>, voteOf: (id: NodeId) => boolean | undefined): VoteResult {
  let n = 0;
  let yes = 0;
  let missing = 0;
  for (const id of voters) {
    n++;
    const v = voteOf(id);
    if (v === undefined) missing++;
    else if (v) yes++;
  }
  if (n === 0) return 'won';
  const q = majority(n);
  if (yes >= q) return 'won';
  if (yes + missing >= q) return 'pending';
  return 'lost';
}
