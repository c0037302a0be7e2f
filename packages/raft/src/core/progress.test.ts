import { InvariantError } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { Progress } from './progress.js';

function pr(match: number, next: number): Progress {
  const p = new Progress(next, 4, 0, false);
  p.match = match;
  return p;
}

describe('Progress', () => {
  it('probe pauses after one append with entries; an ack moves it on', () => {
    const p = pr(0, 5);
    expect(p.isPaused()).toBe(false);
    p.sentEntries(0, 0);
    expect(p.isPaused()).toBe(false); // empty probes do not pause
    p.sentEntries(2, 10);
    expect(p.isPaused()).toBe(true);
    expect(p.next).toBe(5); // probe does not advance next optimistically
    expect(p.maybeUpdate(6)).toBe(true);
    expect(p.isPaused()).toBe(false);
    expect(p.next).toBe(7);
  });

  it('replicate advances next optimistically and pauses when the window is full', () => {
    const p = pr(5, 6);
    p.becomeReplicate();
    for (let i = 0; i < 4; i++) p.sentEntries(1, 1);
    expect(p.next).toBe(10);
    expect(p.isPaused()).toBe(true);
    p.maybeUpdate(7);
    p.inflights.freeLE(7);
    expect(p.inflights.count()).toBe(2);
  });

  it('maybeDecrTo ignores stale rejections and backs off to the hint', () => {
    const p = pr(3, 10);
    expect(p.maybeDecrTo(8, 5)).toBe(false); // probe: only the rejection of next-1 counts
    expect(p.maybeDecrTo(9, 5)).toBe(true);
    expect(p.next).toBe(6);
    expect(p.maybeDecrTo(9, 0)).toBe(false);
    expect(p.maybeDecrTo(5, 0)).toBe(true);
    expect(p.next).toBe(4); // never below match+1
    const r = pr(3, 10);
    r.becomeReplicate();
    r.next = 10;
    expect(r.maybeDecrTo(2, 0)).toBe(false); // at or below match: stale
    expect(r.maybeDecrTo(7, 0)).toBe(true);
    expect(r.next).toBe(4);
  });

  it('snapshot state pauses until the snapshot is reported, then probes after it', () => {
    const p = pr(2, 3);
    p.becomeSnapshot(20);
    expect(p.isPaused()).toBe(true);
    expect(() => p.sentEntries(1, 1)).toThrow(InvariantError);
    p.becomeProbe();
    expect(p.state).toBe('probe');
    expect(p.next).toBe(21);
  });

  it('a failed snapshot resumes after match', () => {
    const p = pr(2, 3);
    p.becomeSnapshot(20);
    p.pendingSnapshot = 0;
    p.becomeProbe();
    expect(p.next).toBe(3);
  });

  it('canBumpCommit only when the follower may lag the commit index', () => {
    const p = pr(5, 8);
    p.sentCommit = 4;
    expect(p.canBumpCommit(6)).toBe(true);
    p.sentCommit = 7;
    expect(p.canBumpCommit(9)).toBe(false); // everything sent already carried commit 7 = next-1
  });
});
