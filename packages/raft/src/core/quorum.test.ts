import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { committedIndex, majority, voteResult } from './quorum.js';

/** Naive: the largest index i such that a majority has match >= i. */
function naiveCommitted(matches: number[]): number {
  if (matches.length === 0) return 0;
  let best = 0;
  for (const candidate of matches) {
    const have = matches.filter((m) => m >= candidate).length;
    if (have >= majority(matches.length) && candidate > best) best = candidate;
  }
  return best;
}

function naiveVote(votes: (boolean | undefined)[]): 'won' | 'lost' | 'pending' {
  if (votes.length === 0) return 'won';
  const q = majority(votes.length);
  const yes = votes.filter((v) => v === true).length;
  const no = votes.filter((v) => v === false).length;
  if (yes >= q) return 'won';
  if (votes.length - no < q) return 'lost';
  return 'pending';
}

describe('quorum', () => {
  it('majority', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(majority)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });

  it('committedIndex equals the naive definition', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(100), { maxLength: 9 }), (matches) => {
        const ids = matches.map((_, i) => String(i));
        expect(committedIndex(ids, (id) => matches[Number(id)])).toBe(naiveCommitted(matches));
      }),
    );
  });

  it('committedIndex counts voters without progress as 0', () => {
    expect(committedIndex(['1', '2', '3'], (id) => (id === '1' ? 7 : undefined))).toBe(0);
    expect(committedIndex(['1', '2', '3'], (id) => (id === '3' ? undefined : 7))).toBe(7);
  });

  it('voteResult equals the naive definition', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(true, false, undefined), { maxLength: 9 }), (votes) => {
        const ids = votes.map((_, i) => String(i));
        expect(voteResult(ids, (id) => votes[Number(id)])).toBe(naiveVote(votes));
      }),
    );
  });
});
