import { describe, expect, it } from 'vitest';
import { heartbeatKey } from '../core/expiry.js';
import { HeartbeatTable } from './heartbeats.js';

describe('HeartbeatTable', () => {
  it('records only while leader, and starts afresh on every leadership change', () => {
    const t = new HeartbeatTable();
    t.touch('s', 'a', 1);
    expect(t.lastSeen.size).toBe(0);
    t.becomeLeader(10);
    t.touch('s', 'a', 11);
    expect(t.leaderSince).toBe(10);
    expect(t.lastSeen.get(heartbeatKey('s', 'a'))).toBe(11);
    t.forget('s', 'a');
    expect(t.lastSeen.size).toBe(0);
    t.touch('s', 'b', 12);
    t.loseLeadership();
    expect(t.leaderSince).toBeUndefined();
    expect(t.lastSeen.size).toBe(0);
    t.becomeLeader(20);
    expect(t.lastSeen.size).toBe(0);
  });
});
