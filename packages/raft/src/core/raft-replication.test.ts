/**
 * Log replication (Raft §5.3, §5.4.2): log matching, the commit rule,
 * batching, pipelining and flow control, fast backtracking, and the Ready
 * contract (persist before send; the leader counts itself once durable).
 */
import { InvariantError, seededRandom } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { appliedData, bytes, cluster, clusterWithLeader, msg, proposeAndSettle } from '../testing/interaction-fixtures.js';
import { RaftCore } from './raft.js';
import { ENTRY_OVERHEAD_BYTES } from './raft-log.js';
import type { Message } from './types.js';

describe('commit rule (Raft §5.4.2, figure 8)', () => {
  it('does not commit an entry of an earlier term by counting replicas', () => {
    // 3 nodes. Leader 1 (term 2) appends "x" at 2/5, but it reaches nobody.
    const env = clusterWithLeader(3, { maxSizePerMsg: 1, preVote: false, checkQuorum: false });
    env.partition(['1']);
    env.node('1').core.propose(bytes('x'));
    env.stabilize();
    env.heal();
    // 1 restarts and is re-elected at term 3 with 2's vote (its log is longer);
    // it appends 3/6.
    env.restart('1');
    env.stabilize(['1']); // re-applies the committed log (one entry per Ready here)
    env.node('1').core.campaign();
    env.processReady('1');
    env.dropMessages('3');
    env.deliverMessages('2');
    env.processReady('2');
    env.deliverMessages('1');
    expect(env.node('1').core.status()).toMatchObject({ role: 'leader', term: 3, commit: 4 });
    env.processReady('1'); // persists 3/6, probes 2 at 2/5 -> rejected
    env.dropMessages('3');
    env.deliverMessages('2');
    env.processReady('2');
    env.deliverMessages('1');
    env.processReady('1'); // sends 2/5 alone (one entry per message)
    env.deliverMessages('2');
    env.processReady('2');
    const acks = env.inbox('1').filter((m) => m.type === 'app-resp' && !m.reject).map((m) => m.index);
    expect(acks).toEqual([5]);
    env.deliverMessages('1');
    // 2/5 is on 1 and 2 (a majority of 3) but is from term 2: not committed.
    const st = env.node('1').core.status();
    expect(st.progress?.['2']?.match).toBe(5);
    expect(st.commit).toBe(4);
    // Once the term-3 entry is replicated too, both commit together.
    env.stabilize();
    expect(env.node('1').core.status().commit).toBe(6);
    expect(appliedData(env, '2')).toEqual(['x']);
  });
});

describe('log matching and replication', () => {
  it('replicates proposals to every node in order', () => {
    const env = clusterWithLeader(5);
    for (const d of ['a', 'b', 'c']) proposeAndSettle(env, '1', d);
    for (const id of env.ids()) expect(appliedData(env, id)).toEqual(['a', 'b', 'c']);
    env.safety.checkLogMatching([...env.nodes.values()]);
    expect(env.safety.violations).toEqual([]);
  });

  it('a follower rejects an append whose previous entry does not match, with a hint', () => {
    const core = new RaftCore({ id: '2', random: seededRandom(1), peers: ['1', '2', '3'] });
    core.advance(core.ready());
    core.step(msg('app', '1', '2', { term: 2, index: 7, logTerm: 2, commit: 3 }));
    const rd = core.ready();
    expect(rd.messages).toMatchObject([{ type: 'app-resp', index: 7, reject: true, rejectHint: 3, logTerm: 1 }]);
    core.advance(rd);
  });

  it('a follower answers an append below its commit index with the commit index', () => {
    const env = clusterWithLeader(3);
    const f = env.node('2').core;
    f.step(msg('app', '1', '2', { term: 2, index: 1, logTerm: 1, commit: 1 }));
    const rd = f.ready();
    expect(rd.messages).toMatchObject([{ type: 'app-resp', index: 4, reject: false }]);
    f.advance(rd);
  });

  it('a commit index beyond the log is an invariant break (with the values)', () => {
    const env = clusterWithLeader(3);
    let err: unknown;
    try {
      env.node('2').core.step(msg('heartbeat', '1', '2', { term: 2, commit: 100 }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvariantError);
    expect((err as InvariantError).detail).toEqual({ tocommit: 100, lastIndex: 4 });
  });
});

describe('batching, pipelining and flow control', () => {
  it('never has more than maxInflightMsgs appends in flight to a follower', () => {
    const env = clusterWithLeader(3, { maxInflightMsgs: 3, maxSizePerMsg: 20 });
    const sent = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      env.node('1').core.propose(bytes(`e${i}`));
      env.processReady('1');
      for (const id of ['2', '3']) {
        const inFlight = env.inbox(id).filter((m) => m.type === 'app' && m.entries.length > 0).length;
        sent.set(id, inFlight);
        expect(inFlight).toBeLessThanOrEqual(3);
        expect(env.node('1').core.status().progress?.[id]?.inflight).toBeLessThanOrEqual(3);
      }
    }
    expect(sent.get('2')).toBe(3);
    env.stabilize();
    for (const id of env.ids()) expect(appliedData(env, id)).toHaveLength(20);
  });

  it('bounds the payload bytes in flight by maxInflightBytes (overshoot < one message)', () => {
    const maxInflightBytes = 64;
    const maxSizePerMsg = 40;
    const env = clusterWithLeader(3, { maxInflightBytes, maxSizePerMsg });
    for (let i = 0; i < 30; i++) {
      env.node('1').core.propose(bytes('0123456789'));
      env.processReady('1');
      const payload = env.inbox('2').filter((m) => m.type === 'app').reduce((n, m) => n + m.entries.reduce((k, e) => k + e.data.byteLength, 0), 0);
      expect(payload).toBeLessThan(maxInflightBytes + maxSizePerMsg);
      expect(env.node('1').core.status().progress?.['2']?.inflightBytes).toBe(payload);
    }
    env.stabilize();
    expect(appliedData(env, '3')).toHaveLength(30);
  });

  it('batches entries up to maxSizePerMsg, but always at least one', () => {
    const perEntry = 4 + ENTRY_OVERHEAD_BYTES;
    const env = clusterWithLeader(3, { maxSizePerMsg: 3 * perEntry });
    env.partition(['2']);
    for (let i = 0; i < 7; i++) env.node('1').core.propose(bytes(`e-${i}`));
    env.stabilize();
    env.heal();
    env.node('1').core.reportUnreachable('2');
    env.tick('1'); // heartbeat -> response -> probe -> replicate
    const appends: Message[] = [];
    for (let round = 0; round < 20; round++) {
      env.processReady('1');
      appends.push(...env.inbox('2').filter((m) => m.type === 'app' && m.entries.length > 0));
      env.deliverMessages('2');
      env.processReady('2');
      env.deliverMessages('1');
    }
    expect(appends.map((m) => m.entries.length)).toEqual([3, 3, 1]);
    const big = clusterWithLeader(3, { maxSizePerMsg: 1 });
    big.node('1').core.propose(bytes('much larger than one byte'));
    big.processReady('1');
    expect(big.inbox('2').map((m) => m.entries.length)).toEqual([1]);
  });

  it('falls back to probing when the follower is reported unreachable', () => {
    const env = clusterWithLeader(3);
    env.node('1').core.reportUnreachable('2');
    expect(env.node('1').core.status().progress?.['2']?.state).toBe('probe');
    proposeAndSettle(env, '1', 'x');
    expect(env.node('1').core.status().progress?.['2']?.state).toBe('replicate');
  });

  it('fast backtracking: a divergent tail is skipped in one round trip per term', () => {
    const env = clusterWithLeader(5, { heartbeatTick: 5 });
    env.partition(['1', '2']);
    for (let i = 0; i < 10; i++) env.node('1').core.propose(bytes(`lost${i}`));
    env.stabilize();
    for (const id of ['4', '5']) env.tick(id, 10);
    env.tickElection('3');
    env.stabilize();
    for (let i = 0; i < 10; i++) env.node('3').core.propose(bytes(`kept${i}`));
    env.stabilize();
    env.node('3').core.transferLeadership('4');
    env.stabilize();
    expect(env.node('4').core.role).toBe('leader');
    env.heal();
    let rejections = 0;
    env.onDeliver = (m) => {
      if (m.type === 'app-resp' && m.reject && m.from === '1') rejections++;
    };
    env.tick('4', 5);
    env.stabilize();
    expect(rejections).toBe(1);
    expect(appliedData(env, '1')).toEqual(appliedData(env, '4'));
    expect(appliedData(env, '1')).toHaveLength(10);
  });
});

describe('the Ready contract', () => {
  it('the leader counts its own entries only once they are persisted', () => {
    const core = new RaftCore({ id: '1', random: seededRandom(1), peers: ['1'] });
    core.advance(core.ready());
    core.campaign();
    expect(core.role).toBe('leader');
    let rd = core.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([2]);
    expect(rd.committedEntries).toEqual([]);
    expect(core.status().commit).toBe(1);
    core.advance(rd);
    expect(core.status().commit).toBe(2);
    core.propose(bytes('x'));
    rd = core.ready();
    expect(rd.hardState?.commit).toBe(2);
    expect(rd.committedEntries.map((e) => e.index)).toEqual([2]);
    expect(rd.entries.map((e) => e.index)).toEqual([3]);
    core.advance(rd);
    rd = core.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([3]);
    expect(rd.mustSync).toBe(false);
    core.advance(rd);
    expect(core.hasReady()).toBe(false);
  });

  it('only one Ready may be outstanding, and advance must get it back', () => {
    const core = new RaftCore({ id: '1', random: seededRandom(1), peers: ['1', '2'] });
    const rd = core.ready();
    expect(() => core.ready()).toThrow(InvariantError);
    expect(() => core.advance({ ...rd })).toThrow(InvariantError);
    core.advance(rd);
  });

  it('every message is in the same Ready as the state it depends on (or a later one)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const env = cluster(3, {}, seed);
      const persisted = new Map<string, { term: number; vote: string; last: number }>();
      for (const id of env.ids()) persisted.set(id, { term: 1, vote: '', last: 3 });
      env.onReady = (id, rd) => {
        const p = persisted.get(id)!;
        if (rd.hardState) Object.assign(p, { term: rd.hardState.term, vote: rd.hardState.vote });
        if (rd.snapshot) p.last = rd.snapshot.meta.index;
        const last = rd.entries.at(-1);
        if (last) p.last = last.index;
        for (const m of rd.messages) {
          if (m.type === 'vote-resp' && !m.reject) expect(p.vote).toBe(m.to);
          if (m.type === 'vote') expect(p.vote).toBe(id);
          if (m.type === 'app-resp' && !m.reject) expect(m.index).toBeLessThanOrEqual(p.last);
          if (m.type === 'app') expect(m.index + m.entries.length).toBeLessThanOrEqual(p.last);
          if (m.term > 0 && m.type !== 'pre-vote' && m.type !== 'pre-vote-resp') expect(m.term).toBeLessThanOrEqual(p.term);
        }
      };
      env.node('1').core.campaign();
      env.stabilize();
      for (let i = 0; i < 5; i++) env.node('1').core.propose(bytes(`p${i}`));
      env.stabilize();
      for (const id of env.ids()) expect(appliedData(env, id)).toHaveLength(5);
    }
  });
});
