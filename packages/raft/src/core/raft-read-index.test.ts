/**
 * Linearizable reads (Raft thesis §6.4): ReadIndex in 'safe' mode (heartbeat
 * round) and 'lease-based' mode, forwarded from followers.
 */
import { FlynnError, seededRandom } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { bytes, clusterWithLeader, proposeAndSettle } from '../testing/interaction-fixtures.js';
import { ReadIndexDroppedError } from './errors.js';
import { RaftCore } from './raft.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('ReadIndex (safe)', () => {
  it('answers at the commit index only after a quorum confirmed the leadership', () => {
    const env = clusterWithLeader(3, { heartbeatTick: 5 });
    proposeAndSettle(env, '1', 'x');
    const leader = env.node('1');
    leader.core.readIndex(bytes('r1'));
    env.processReady('1'); // heartbeats with the context
    expect(leader.readStates).toEqual([]);
    env.deliverMessages('2');
    env.processReady('2');
    env.deliverMessages('1'); // one ack + the leader itself = quorum
    env.processReady('1');
    expect(leader.readStates.map((r) => [r.index, text(r.context)])).toEqual([[5, 'r1']]);
  });

  it('a deposed leader cut off from the majority never answers (no stale reads)', () => {
    const env = clusterWithLeader(3, { heartbeatTick: 5 });
    env.partition(['1']);
    for (const id of ['2', '3']) env.tick(id, 10);
    env.tickElection('2');
    env.stabilize();
    expect(env.node('2').core.role).toBe('leader');
    proposeAndSettle(env, '2', 'new'); // committed by the new leader
    // The old leader still thinks it leads; its read must not complete.
    expect(env.node('1').core.role).toBe('leader');
    env.node('1').core.readIndex(bytes('stale'));
    for (let i = 0; i < 3; i++) {
      env.tick('1', 5);
      env.stabilize();
    }
    expect(env.node('1').readStates).toEqual([]);
    // The new leader's read sees the new entry.
    env.node('2').core.readIndex(bytes('fresh'));
    env.stabilize();
    const [rs] = env.node('2').readStates;
    expect(rs?.index).toBe(env.node('2').core.status().commit);
    expect(env.node('2').appliedIndex).toBeGreaterThanOrEqual(rs!.index);
  });

  it('a follower forwards its read and gets the leader commit index', () => {
    const env = clusterWithLeader(3);
    proposeAndSettle(env, '1', 'x');
    env.node('3').core.readIndex(bytes('f'));
    env.stabilize();
    expect(env.node('3').readStates.map((r) => [r.index, text(r.context)])).toEqual([[5, 'f']]);
  });

  it('a new leader holds reads until it has committed an entry of its term', () => {
    const env = clusterWithLeader(3);
    env.node('1').core.transferLeadership('2');
    env.stabilize(['1']);
    env.deliverMessages('2'); // timeout-now: 2 campaigns
    env.processReady('2');
    env.deliverMessages('1');
    env.deliverMessages('3');
    env.processReady('1');
    env.processReady('3');
    env.deliverMessages('2'); // 2 wins but has not committed its empty entry
    expect(env.node('2').core.role).toBe('leader');
    env.node('2').core.readIndex(bytes('early'));
    env.processReady('2');
    expect(env.node('2').readStates).toEqual([]);
    env.stabilize();
    expect(env.node('2').readStates.map((r) => r.index)).toEqual([env.node('2').core.status().commit]);
  });

  it('a single voter answers at once', () => {
    const core = new RaftCore({ id: '1', random: seededRandom(1), peers: ['1'] });
    core.advance(core.ready());
    core.campaign();
    core.readIndex(bytes('solo'));
    const rd = core.ready();
    expect(rd.readStates.map((r) => text(r.context))).toEqual(['solo']);
    core.advance(rd);
  });

  it('requests without a leader, or with an empty context, are refused with typed errors', () => {
    const core = new RaftCore({ id: '1', random: seededRandom(1), peers: ['1', '2', '3'] });
    expect(() => core.readIndex(bytes('x'))).toThrow(ReadIndexDroppedError);
    let err: unknown;
    try {
      core.readIndex(new Uint8Array(0));
    } catch (e) {
      err = e;
    }
    expect(FlynnError.is(err) && err.code).toBe('FLYNN_RAFT_INVALID_CONTEXT');
  });
});

describe('ReadIndex (lease-based)', () => {
  it('answers from the commit index without a heartbeat round', () => {
    const env = clusterWithLeader(3, { readOnlyOption: 'lease-based' });
    env.node('1').core.readIndex(bytes('l'));
    const rd = env.node('1').core.ready();
    expect(rd.messages).toEqual([]);
    expect(rd.readStates.map((r) => r.index)).toEqual([4]);
    env.node('1').core.advance(rd);
  });
});
