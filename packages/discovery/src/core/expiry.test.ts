import { describe, expect, it } from 'vitest';
import { heartbeatKey, planExpiry } from './expiry.js';
import { addInstance, addService, inst, run } from './reducer.test-helpers.js';

const TTL = 10_000;
const { state } = run([addService('b'), addService('a'), addInstance('b', inst('x')), addInstance('a', inst('y')), addInstance('a', inst('z'))]);
const seen = (entries: Array<[string, string, number]>) => new Map(entries.map(([s, id, t]) => [heartbeatKey(s, id), t]));

describe('planExpiry', () => {
  it('expires nothing during the first 2×TTL of leadership, even with no heartbeat at all', () => {
    expect(planExpiry(state, new Map(), 1_000 + 2 * TTL - 1, TTL, 1_000)).toEqual([]);
  });

  it('after 2×TTL expires every instance not seen within TTL, in service then index order', () => {
    const now = 100_000;
    const lastSeen = seen([
      ['a', 'y', now - TTL], // exactly TTL ago: kept
      ['b', 'x', now - TTL - 1], // just over: expired
    ]);
    expect(planExpiry(state, lastSeen, now, TTL, 0)).toEqual([
      { service: 'a', id: 'z' },
      { service: 'b', id: 'x' },
    ]);
  });

  it('keeps everything that heartbeats', () => {
    const now = 50_000;
    expect(planExpiry(state, seen([['a', 'y', now], ['a', 'z', now - 5], ['b', 'x', now - 9_999]]), now, TTL, 0)).toEqual([]);
  });

  it('ignores heartbeats for instances that are not registered', () => {
    expect(planExpiry(run([addService('a')]).state, seen([['a', 'ghost', 0]]), 1e6, TTL, 0)).toEqual([]);
  });
});
