/**
 * Membership changes, one at a time: learners, promotion, removal (including
 * of the leader), the one-change-in-flight rule, and restart recovery of the
 * membership from the log.
 */
import { InvariantError } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { appliedData, bytes, clusterWithLeader, msg, proposeAndSettle } from '../testing/interaction-fixtures.js';
import type { InteractionEnv } from '../testing/interaction-env.js';
import { encodeConfChange } from './conf-change.js';
import { ConfChangeInvalidError, ConfChangePendingError } from './errors.js';
import type { ConfChange } from './types.js';

function change(env: InteractionEnv, leader: string, cc: ConfChange): void {
  env.node(leader).core.proposeConfChange(cc);
  env.stabilize();
}

describe('learners', () => {
  it('receive the log and apply it, but neither count for the quorum nor campaign', () => {
    const env = clusterWithLeader(3, { heartbeatTick: 5 });
    env.addNodes(1, { heartbeatTick: 5 });
    change(env, '1', { type: 'add-learner', node: '4' });
    proposeAndSettle(env, '1', 'a');
    expect(appliedData(env, '4')).toEqual(['a']);
    expect(env.node('4').core.status().conf).toEqual({ voters: ['1', '2', '3'], learners: ['4'] });

    // Leader + learner is not a quorum of {1, 2, 3}: 'b' reaches the learner but does not commit.
    const before = env.node('1').core.status().commit;
    env.partition(['2', '3']);
    const { index } = env.node('1').core.propose(bytes('b')) as { index: number };
    env.stabilize();
    expect(env.node('1').core.status().progress?.['4']?.match).toBe(index);
    expect(env.node('1').core.status().commit).toBe(before);
    expect(appliedData(env, '4')).toEqual(['a']);

    for (let i = 0; i < 50; i++) env.tick('4');
    expect(env.node('4').core.role).toBe('follower');
    env.heal();
  });

  it('are promoted by add-voter, and then count', () => {
    const env = clusterWithLeader(3, { heartbeatTick: 5 });
    env.addNodes(1, { heartbeatTick: 5 });
    change(env, '1', { type: 'add-learner', node: '4' });
    change(env, '1', { type: 'add-voter', node: '4' });
    for (const id of env.ids()) expect(env.node(id).core.status().conf).toEqual({ voters: ['1', '2', '3', '4'], learners: [] });
    // Four voters need three: {1, 4} is not enough, {1, 2, 4} is.
    env.partition(['2', '3']);
    const { index } = env.node('1').core.propose(bytes('x')) as { index: number };
    env.stabilize();
    expect(env.node('1').core.status().progress?.['4']?.match).toBe(index);
    expect(env.node('1').core.status().commit).toBeLessThan(index);
    env.heal();
    env.partition(['3']);
    env.tick('1', 5);
    env.stabilize();
    expect(appliedData(env, '4')).toEqual(['x']);
  });
});

describe('one change at a time', () => {
  it('a second change on the leader while one is unapplied throws ConfChangePendingError', () => {
    const env = clusterWithLeader(3);
    env.node('1').core.proposeConfChange({ type: 'add-learner', node: '4' });
    expect(() => env.node('1').core.proposeConfChange({ type: 'add-learner', node: '5' })).toThrow(ConfChangePendingError);
    env.stabilize();
    expect(() => env.node('1').core.proposeConfChange({ type: 'add-learner', node: '5' })).not.toThrow();
  });

  it('a new leader accepts no change until its whole log is applied', () => {
    const env = clusterWithLeader(3);
    env.node('1').core.proposeConfChange({ type: 'add-learner', node: '4' });
    env.processReady('1');
    env.deliverMessages('2');
    env.deliverMessages('3');
    env.processReady('2');
    env.processReady('3');
    env.dropMessages('1');
    // Leadership moves before the change commits.
    env.node('2').core.step(msg('timeout-now', '1', '2', { term: 2 }));
    env.processReady('2');
    env.deliverMessages('3');
    env.processReady('3');
    env.deliverMessages('2');
    expect(env.node('2').core.role).toBe('leader');
    expect(() => env.node('2').core.proposeConfChange({ type: 'add-learner', node: '5' })).toThrow(ConfChangePendingError);
  });

  it('a forwarded change that finds one pending becomes an empty entry', () => {
    const env = clusterWithLeader(3);
    env.node('1').core.proposeConfChange({ type: 'add-learner', node: '4' });
    const cc = encodeConfChange({ type: 'add-learner', node: '5' });
    env.node('1').core.step(msg('prop', '2', '1', { entries: [{ term: 0, index: 0, type: 'conf-change', data: cc }] }));
    const st = env.node('1').core.status();
    const [first, second] = env.node('1').core.entries(st.lastIndex - 1, st.lastIndex + 1);
    expect(first?.type).toBe('conf-change');
    expect(second).toMatchObject({ type: 'normal', data: new Uint8Array(0) });
    env.stabilize();
    expect(env.node('1').core.status().conf.learners).toEqual(['4']);
  });

  it('removing the last voter is refused; a committed one would be an invariant break', () => {
    const env = clusterWithLeader(1);
    expect(() => env.node('1').core.proposeConfChange({ type: 'remove-node', node: '1' })).toThrow(ConfChangeInvalidError);
    expect(() => env.node('1').core.applyConfChange({ type: 'remove-node', node: '1' })).toThrow(InvariantError);
  });
});

describe('removal', () => {
  it('a removed follower stops getting messages and the quorum shrinks', () => {
    const env = clusterWithLeader(3);
    change(env, '1', { type: 'remove-node', node: '3' });
    env.partition(['3']);
    proposeAndSettle(env, '1', 'two-of-two');
    expect(appliedData(env, '2')).toEqual(['two-of-two']);
    env.tick('1');
    expect(env.inbox('3').some((m) => m.from === '1')).toBe(false);
  });

  it('a removed leader steps down once the change applies; the rest elect a new leader', () => {
    const env = clusterWithLeader(3, { heartbeatTick: 5 });
    change(env, '1', { type: 'remove-node', node: '1' });
    expect(env.node('1').core.role).toBe('follower');
    for (const id of ['2', '3']) env.tick(id, 10);
    env.tickElection('2');
    env.stabilize();
    const leaders = ['2', '3'].filter((id) => env.node(id).core.role === 'leader');
    expect(leaders).toHaveLength(1);
    proposeAndSettle(env, leaders[0]!, 'after');
    expect(appliedData(env, '3')).toEqual(['after']);
    for (let i = 0; i < 50; i++) env.tick('1');
    expect(env.node('1').core.role).toBe('follower');
  });
});

describe('restart', () => {
  it('rebuilds the membership by replaying the log', () => {
    const env = clusterWithLeader(3);
    env.addNodes(1);
    change(env, '1', { type: 'add-learner', node: '4' });
    env.restart('2');
    env.stabilize();
    expect(env.node('2').core.status().conf).toEqual({ voters: ['1', '2', '3'], learners: ['4'] });
  });
});
