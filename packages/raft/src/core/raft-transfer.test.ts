/**
 * Leadership transfer (Raft thesis §3.10).
 */
import { describe, expect, it } from 'vitest';
import { appliedData, bytes, clusterWithLeader, proposeAndSettle } from '../testing/interaction-fixtures.js';
import { TransferInvalidError } from './errors.js';

describe('leadership transfer', () => {
  it('catches the target up, then hands over within the same term+1', () => {
    const env = clusterWithLeader(3, { heartbeatTick: 5 });
    env.partition(['2']);
    proposeAndSettle(env, '1', 'a');
    env.heal();
    env.node('1').core.transferLeadership('2');
    expect(env.node('1').core.status().transferee).toBe('2');
    env.stabilize();
    expect(env.node('2').core.status()).toMatchObject({ role: 'leader', term: 3 });
    expect(env.node('1').core.status()).toMatchObject({ role: 'follower', leader: '2' });
    proposeAndSettle(env, '2', 'b');
    for (const id of env.ids()) expect(appliedData(env, id)).toEqual(['a', 'b']);
  });

  it('the target campaigns without pre-vote and the voters ignore their lease', () => {
    const env = clusterWithLeader(3);
    const types: string[] = [];
    env.onDeliver = (m) => {
      if (m.from === '2') types.push(m.type);
    };
    env.node('1').core.transferLeadership('2');
    env.stabilize();
    expect(types).toContain('vote');
    expect(types).not.toContain('pre-vote');
    expect(env.node('2').core.role).toBe('leader');
  });

  it('is abandoned after an election timeout', () => {
    const env = clusterWithLeader(3);
    env.partition(['3']);
    env.node('1').core.transferLeadership('3');
    env.tickElection('1');
    expect(env.node('1').core.status().transferee).toBeUndefined();
    expect(env.node('1').core.role).toBe('leader');
    expect(() => env.node('1').core.propose(bytes('ok'))).not.toThrow();
  });

  it('to self cancels; to a learner or a stranger is refused', () => {
    const env = clusterWithLeader(3);
    env.addNodes(1);
    env.node('1').core.proposeConfChange({ type: 'add-learner', node: '4' });
    env.stabilize();
    expect(() => env.node('1').core.transferLeadership('4')).toThrow(TransferInvalidError);
    expect(() => env.node('1').core.transferLeadership('9')).toThrow(TransferInvalidError);
    env.partition(['3']);
    env.node('1').core.transferLeadership('3');
    env.node('1').core.transferLeadership('1');
    expect(env.node('1').core.status().transferee).toBeUndefined();
  });

  it('is aborted when the target is removed', () => {
    const env = clusterWithLeader(3);
    env.partition(['3']);
    env.node('1').core.proposeConfChange({ type: 'remove-node', node: '3' });
    env.node('1').core.transferLeadership('3'); // still a voter until the change applies
    expect(env.node('1').core.status().transferee).toBe('3');
    env.stabilize();
    expect(env.node('1').core.status().transferee).toBeUndefined();
    expect(env.node('1').core.role).toBe('leader');
  });
});
