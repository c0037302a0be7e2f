import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProposalSessions } from './proposal-sessions.js';
import { unwrapSnapshotData, wrapSnapshotData } from './snapshot-data.js';

const EPOCH = 0x1_0000_0000;

describe('ProposalSessions', () => {
  it('applies a sequence number once per origin and epoch', () => {
    const s = new ProposalSessions();
    expect(s.check('a', 5)).toBe('apply');
    expect(s.check('a', 5)).toBe('duplicate');
    expect(s.check('b', 5)).toBe('apply'); // another origin
    expect(s.check('a', EPOCH + 5)).toBe('apply'); // another incarnation of a
    expect(s.check('a', 3)).toBe('apply'); // reordered, inside the window
    expect(s.check('a', 3)).toBe('duplicate');
  });

  it('beyond the window, a number below the floor is stale and never applied', () => {
    const s = new ProposalSessions({ window: 4 });
    for (let i = 10; i < 20; i++) expect(s.check('a', i)).toBe('apply');
    expect(s.check('a', 19)).toBe('duplicate');
    expect(s.check('a', 12)).toBe('stale'); // applied, then forgotten: still not applied again
    expect(s.check('a', 3)).toBe('stale'); // never applied, too late now
    expect(s.check('a', 20)).toBe('apply');
  });

  it('evicts the least recently used session beyond maxSessions', () => {
    const s = new ProposalSessions({ maxSessions: 2 });
    s.check('a', 1);
    s.check('b', 1);
    s.check('a', 2); // a is now the most recent
    s.check('c', 1); // evicts b
    expect(s.size).toBe(2);
    expect(s.check('a', 1)).toBe('duplicate');
    expect(s.check('b', 1)).toBe('apply');
  });

  it('restores exactly the decisions it would have made (encode → restore)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 40 })), { maxLength: 120 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 40 })), { maxLength: 60 }),
        (first, then) => {
          const live = new ProposalSessions({ window: 8, maxSessions: 5 });
          for (const [o, e, n] of first) live.check(o, e * EPOCH + n);
          const copy = new ProposalSessions({ window: 8, maxSessions: 5 });
          copy.restore(live.encode());
          for (const [o, e, n] of then) expect(copy.check(o, e * EPOCH + n)).toBe(live.check(o, e * EPOCH + n));
        },
      ),
    );
  });

  it('never applies a number twice, and applies every first sight inside the window (vs a naive set)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { maxLength: 200 }), (seqs) => {
        const s = new ProposalSessions({ window: 1_000 });
        const seen = new Set<number>();
        for (const n of seqs) {
          expect(s.check('a', n)).toBe(seen.has(n) ? 'duplicate' : 'apply');
          seen.add(n);
        }
      }),
    );
  });
});

describe('snapshot data', () => {
  it('round-trips sessions and state, and reads data without the header as state alone', () => {
    const sessions = new TextEncoder().encode('{"v":1,"sessions":[]}');
    const state = Uint8Array.of(1, 2, 3);
    const parts = unwrapSnapshotData(wrapSnapshotData(sessions, state));
    expect([...parts.sessions]).toEqual([...sessions]);
    expect([...parts.state]).toEqual([1, 2, 3]);
    const legacy = unwrapSnapshotData(new TextEncoder().encode('{"kv":{}}'));
    expect(legacy.sessions.length).toBe(0);
    expect(new TextDecoder().decode(legacy.state)).toBe('{"kv":{}}');
    expect(unwrapSnapshotData(new Uint8Array(0)).state.length).toBe(0);
  });
});
