import { InvariantError } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { RaftLog, limitSize, ENTRY_OVERHEAD_BYTES } from './raft-log.js';
import type { Entry } from './types.js';

function ents(...terms: number[]): Entry[] {
  return terms.map((term, i) => ({ term, index: i + 1, type: 'normal', data: new Uint8Array(0) }));
}

function e(index: number, term: number, data = ''): Entry {
  return { term, index, type: 'normal', data: new TextEncoder().encode(data) };
}

function log(terms: number[], committed = 0): RaftLog {
  return new RaftLog({ snapIndex: 0, snapTerm: 0, entries: ents(...terms), committed, applied: 0 });
}

describe('RaftLog', () => {
  it('term() covers the compaction point, the entries, and nothing else', () => {
    const l = log([1, 1, 2]);
    expect([0, 1, 2, 3, 4].map((i) => l.term(i))).toEqual([0, 1, 1, 2, undefined]);
    l.commitTo(3);
    l.appliedTo(2);
    l.compact(2);
    expect([1, 2, 3].map((i) => l.term(i))).toEqual([undefined, 1, 2]);
    expect(l.firstIndex()).toBe(3);
  });

  it('isUpToDate: higher last term wins, then longer log (Raft §5.4.1)', () => {
    const l = log([1, 2, 2]);
    expect(l.isUpToDate(3, 2)).toBe(true);
    expect(l.isUpToDate(2, 2)).toBe(false);
    expect(l.isUpToDate(1, 3)).toBe(true);
    expect(l.isUpToDate(10, 1)).toBe(false);
  });

  it('maybeAppend: rejects a mismatched previous entry', () => {
    const l = log([1, 1]);
    expect(l.maybeAppend(2, 2, 0, [e(3, 2)])).toBeUndefined();
    expect(l.maybeAppend(3, 1, 0, [e(4, 2)])).toBeUndefined();
    expect(l.lastIndex()).toBe(2);
  });

  it('maybeAppend: truncates a conflicting suffix, keeps a matching one, and commits', () => {
    const l = log([1, 1, 1, 1]);
    expect(l.maybeAppend(1, 1, 3, [e(2, 1), e(3, 2)])).toBe(3);
    expect([1, 2, 3, 4].map((i) => l.term(i))).toEqual([1, 1, 2, undefined]);
    expect(l.committed).toBe(3);
    // An old, shorter append that matches changes nothing (no truncation).
    expect(l.maybeAppend(1, 1, 3, [e(2, 1)])).toBe(2);
    expect(l.lastIndex()).toBe(3);
    expect(l.committed).toBe(3); // commit never goes backwards
  });

  it('truncating a committed entry is an invariant break', () => {
    const l = log([1, 1, 1], 2);
    expect(() => l.maybeAppend(1, 1, 2, [e(2, 2)])).toThrow(InvariantError);
    expect(() => l.append([e(2, 3)])).toThrow(/appending an entry below the commit index/);
  });

  it('commitTo beyond the last index is an invariant break; commit never decreases', () => {
    const l = log([1, 1]);
    expect(() => l.commitTo(3)).toThrow(/tocommit is out of range/);
    l.commitTo(2);
    l.commitTo(1);
    expect(l.committed).toBe(2);
  });

  it('maybeCommit commits only an entry of the given (current) term', () => {
    const l = log([1, 2, 3]);
    expect(l.maybeCommit(2, 3)).toBe(false);
    expect(l.committed).toBe(0);
    expect(l.maybeCommit(3, 3)).toBe(true);
    expect(l.committed).toBe(3);
  });

  it('findConflictByTerm returns the last index with a term <= the given term', () => {
    const l = log([1, 3, 3, 3, 5, 5]);
    expect(l.findConflictByTerm(6, 4)).toEqual({ index: 4, term: 3 });
    expect(l.findConflictByTerm(6, 2)).toEqual({ index: 1, term: 1 });
    expect(l.findConflictByTerm(6, 0)).toEqual({ index: 0, term: 0 });
    expect(l.findConflictByTerm(3, 9)).toEqual({ index: 3, term: 3 });
  });

  it('tracks what was handed out and what is stable; a truncation re-issues entries', () => {
    const l = log([]);
    l.append([e(1, 1), e(2, 1)]);
    expect(l.unstableEntries().map((x) => x.index)).toEqual([1, 2]);
    l.acceptUnstable();
    expect(l.unstableEntries()).toEqual([]);
    l.append([e(2, 2), e(3, 2)]); // replaces index 2 while it is being persisted
    expect(l.unstableEntries().map((x) => `${x.term}/${x.index}`)).toEqual(['2/2', '2/3']);
    l.stableTo(2, 1); // the persisted (2, 1) was replaced meanwhile: nothing is marked stable
    expect(l.persistedIndex()).toBe(0);
    l.acceptUnstable();
    l.stableTo(3, 2);
    expect(l.persistedIndex()).toBe(3);
  });

  it('hands out committed entries within a size budget, at least one', () => {
    const l = log([]);
    l.append([e(1, 1, 'aaaa'), e(2, 1, 'bbbb'), e(3, 1, 'cccc')]);
    l.commitTo(3);
    const budget = 2 * (4 + ENTRY_OVERHEAD_BYTES);
    expect(l.nextCommittedEntries(budget).map((x) => x.index)).toEqual([1, 2]);
    expect(l.nextCommittedEntries(0).map((x) => x.index)).toEqual([1]);
    l.acceptApplying(2);
    expect(l.nextCommittedEntries(budget).map((x) => x.index)).toEqual([3]);
    expect(limitSize([], 0)).toEqual([]);
  });

  it('restore replaces the log with a snapshot and holds committed entries back until it is applied', () => {
    const l = log([1, 1], 1);
    l.restore({ meta: { index: 10, term: 3, conf: { voters: ['1'], learners: [] } }, data: new Uint8Array(0) });
    expect(l.lastIndex()).toBe(10);
    expect(l.term(10)).toBe(3);
    expect(l.committed).toBe(10);
    expect(l.nextSnapshot()?.meta.index).toBe(10);
    expect(l.hasNextCommittedEntries()).toBe(false);
    l.acceptUnstable();
    expect(l.hasSnapshotInProgress()).toBe(true);
    l.stableSnapTo(10);
    expect(l.hasSnapshotInProgress()).toBe(false);
    expect(l.applied).toBe(10);
  });

  it('compacting beyond applied is an invariant break', () => {
    const l = log([1, 1, 1], 3);
    l.appliedTo(1);
    expect(() => l.compact(2)).toThrow(InvariantError);
  });

  it('recovery validates the stored state', () => {
    expect(() => new RaftLog({ snapIndex: 0, snapTerm: 0, entries: [e(2, 1)], committed: 0, applied: 0 })).toThrow(/not contiguous/);
    expect(() => new RaftLog({ snapIndex: 0, snapTerm: 0, entries: ents(1), committed: 2, applied: 0 })).toThrow(/commit is out of range/);
    expect(() => new RaftLog({ snapIndex: 0, snapTerm: 0, entries: ents(1), committed: 1, applied: 2 })).toThrow(/applied is out of range/);
  });
});
