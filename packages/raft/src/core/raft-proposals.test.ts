/**
 * Proposals: forwarding from followers, and the typed refusals.
 */
import { FlynnError, seededRandom } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { appliedData, bytes, cluster, clusterWithLeader, msg } from '../testing/interaction-fixtures.js';
import { NotLeaderError, ProposalDroppedError } from './errors.js';
import { RaftCore } from './raft.js';

function dropped(fn: () => unknown): ProposalDroppedError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProposalDroppedError) return err;
    throw err;
  }
  throw new Error('expected the proposal to be dropped');
}

describe('proposals', () => {
  it('the leader appends and reports where', () => {
    const env = clusterWithLeader(3);
    expect(env.node('1').core.propose(bytes('a'))).toEqual({ index: 5, term: 2 });
  });

  it('a follower forwards to the leader, which appends and commits it', () => {
    const env = clusterWithLeader(3);
    expect(env.node('3').core.propose(bytes('via-3'))).toEqual({ forwardedTo: '1' });
    const rd = env.node('3').core.ready();
    expect(rd.messages).toMatchObject([{ type: 'prop', to: '1', term: 0 }]);
    env.node('3').core.advance(rd);
    env.send(rd.messages);
    env.stabilize();
    for (const id of env.ids()) expect(appliedData(env, id)).toEqual(['via-3']);
  });

  it('is dropped without a leader', () => {
    const env = cluster(3);
    const err = dropped(() => env.node('2').core.propose(bytes('x')));
    expect(err.code).toBe('FLYNN_RAFT_PROPOSAL_DROPPED');
    expect(err.reason).toBe('no-leader');
    env.node('2').core.campaign();
    expect(dropped(() => env.node('2').core.propose(bytes('x'))).reason).toBe('no-leader'); // pre-candidate
  });

  it('is dropped with forwarding disabled, naming the leader', () => {
    const env = clusterWithLeader(3, { disableProposalForwarding: true });
    const err = dropped(() => env.node('2').core.propose(bytes('x')));
    expect(err.reason).toBe('forwarding-disabled');
    expect(err.leader).toBe('1');
    expect(FlynnError.is(err)).toBe(true);
  });

  it('is dropped while a leadership transfer is in progress', () => {
    const env = clusterWithLeader(3);
    env.partition(['3']);
    env.node('1').core.transferLeadership('3');
    expect(dropped(() => env.node('1').core.propose(bytes('x'))).reason).toBe('transfer-in-progress');
  });

  it('is dropped over the uncommitted size limit (empty entries always pass)', () => {
    const env = clusterWithLeader(3, { maxUncommittedEntriesSize: 10 });
    env.partition(['2', '3']);
    env.node('1').core.propose(bytes('12345678'));
    expect(dropped(() => env.node('1').core.propose(bytes('12345'))).reason).toBe('uncommitted-size-limit');
    env.heal();
    env.tick('1');
    env.stabilize();
    // Applied entries free the budget.
    expect(env.node('1').core.propose(bytes('12345'))).toMatchObject({ index: 6 });
  });

  it('a forwarded proposal the leader cannot take is dropped silently (no throw across the network)', () => {
    const env = clusterWithLeader(3);
    env.partition(['3']);
    env.node('1').core.transferLeadership('3');
    expect(() => env.node('1').core.step(msg('prop', '2', '1', { entries: [{ term: 0, index: 0, type: 'normal', data: bytes('x') }] }))).not.toThrow();
    expect(env.node('1').core.status().lastIndex).toBe(4);
  });

  it('transferLeadership on a follower throws NotLeaderError with the leader hint', () => {
    const env = clusterWithLeader(3);
    let err: unknown;
    try {
      env.node('2').core.transferLeadership('3');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NotLeaderError);
    expect((err as NotLeaderError).leader).toBe('1');
    expect((err as NotLeaderError).code).toBe('FLYNN_RAFT_NOT_LEADER');
  });

  it('messages addressed to another node are ignored', () => {
    const core = new RaftCore({ id: '1', random: seededRandom(1), peers: ['1', '2'] });
    core.advance(core.ready());
    core.step(msg('vote', '2', '9', { term: 5, index: 9, logTerm: 9 }));
    expect(core.term).toBe(1);
  });
});
