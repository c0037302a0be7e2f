/**
 * Leader election (Raft §5.2, §5.4.1; thesis §4.2.3 and §9.6): election
 * safety, the vote rules, randomized timeouts, pre-vote and check-quorum.
 */
import { seededRandom } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { clusterWithLeader, cluster, elect, msg } from '../testing/interaction-fixtures.js';
import { RaftCore } from './raft.js';
import { RaftConfigError } from './errors.js';
import type { Message } from './types.js';

/** A follower of a fresh 3-node cluster (bootstrap log 1/1..1/3, term 1), Ready drained. */
function follower(id = '3', options: { checkQuorum?: boolean; preVote?: boolean } = {}): RaftCore {
  const core = new RaftCore({ id, random: seededRandom(7), peers: ['1', '2', '3'], ...options });
  core.advance(core.ready());
  return core;
}

function drain(core: RaftCore): Message[] {
  if (!core.hasReady()) return [];
  const rd = core.ready();
  core.advance(rd);
  return rd.messages;
}

describe('election timeout', () => {
  it('is randomized within [electionTick, 2*electionTick) from the injected Random', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 200; seed++) {
      const core = new RaftCore({ id: '1', random: seededRandom(seed), peers: ['1', '2', '3'], electionTick: 10 });
      let ticks = 0;
      while (core.role === 'follower' && ticks < 100) {
        core.tick();
        ticks++;
      }
      expect(core.role).toBe('pre-candidate');
      seen.add(ticks);
    }
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...seen)).toBeLessThanOrEqual(19);
    expect(seen.size).toBeGreaterThan(5);
  });

  it('is deterministic for a given seed', () => {
    const run = () => {
      const env = cluster(5, {}, 42);
      for (let i = 0; i < 40; i++) for (const id of env.ids()) env.tick(id);
      env.stabilize();
      return env.ids().map((id) => `${env.node(id).core.role}@${env.node(id).core.term}`);
    };
    expect(run()).toEqual(run());
  });
});

describe('election safety', () => {
  it('elects one leader, which appends and commits an empty entry of its term', () => {
    const env = clusterWithLeader(3);
    const st = env.node('1').core.status();
    expect(st.role).toBe('leader');
    expect(st.term).toBe(2);
    expect(env.node('1').core.entries(4, 5)).toEqual([{ term: 2, index: 4, type: 'normal', data: new Uint8Array(0) }]);
    for (const id of ['2', '3']) {
      expect(env.node(id).core.status()).toMatchObject({ role: 'follower', leader: '1', term: 2, commit: 4 });
    }
    expect(env.safety.violations).toEqual([]);
  });

  it('competing candidates never produce two leaders in one term', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const env = cluster(5, { preVote: false, checkQuorum: false }, seed);
      for (const id of env.ids()) env.node(id).core.campaign();
      env.stabilize();
      for (let round = 0; round < 50 && !env.ids().some((id) => env.node(id).core.role === 'leader'); round++) {
        for (const id of env.ids()) env.tick(id);
        env.stabilize();
      }
      expect(env.ids().filter((id) => env.node(id).core.role === 'leader')).toHaveLength(1);
      expect(env.safety.violations).toEqual([]);
    }
  });
});

describe('vote rules', () => {
  it('grants at most one vote per term (repeats of the same vote are fine)', () => {
    const core = follower('3', { checkQuorum: false });
    core.step(msg('vote', '1', '3', { term: 2, index: 3, logTerm: 1 }));
    core.step(msg('vote', '2', '3', { term: 2, index: 3, logTerm: 1 }));
    core.step(msg('vote', '1', '3', { term: 2, index: 3, logTerm: 1 }));
    const rd = core.ready();
    expect(rd.hardState).toEqual({ term: 2, vote: '1', commit: 3 });
    expect(rd.messages.map((m) => `${m.to}:${m.type}:${m.reject}`)).toEqual(['1:vote-resp:false', '2:vote-resp:true', '1:vote-resp:false']);
    // The grant is in the same Ready as the vote it depends on, and must be synced.
    expect(rd.mustSync).toBe(true);
  });

  it('rejects a candidate whose log is less up to date (§5.4.1)', () => {
    const core = follower('3', { checkQuorum: false });
    // Our log ends at 1/3.
    core.step(msg('vote', '1', '3', { term: 2, index: 2, logTerm: 1 })); // shorter, same last term
    core.step(msg('vote', '2', '3', { term: 3, index: 9, logTerm: 0 })); // longer but older last term
    const rejected = drain(core);
    expect(rejected.map((m) => m.reject)).toEqual([true, true]);
    expect(core.status().vote).toBe('');
    core.step(msg('vote', '2', '3', { term: 4, index: 1, logTerm: 2 })); // shorter, newer last term
    expect(drain(core).map((m) => m.reject)).toEqual([false]);
    expect(core.status().vote).toBe('2');
  });

  it('a pre-vote changes neither term nor vote, and is answered at the pre-vote term', () => {
    const core = follower('3', { checkQuorum: false });
    core.step(msg('pre-vote', '1', '3', { term: 5, index: 3, logTerm: 1 }));
    expect(core.status()).toMatchObject({ term: 1, vote: '' });
    const [resp] = drain(core);
    expect(resp).toMatchObject({ type: 'pre-vote-resp', term: 5, reject: false });
  });

  it('a stale pre-vote is rejected with our term, so the pre-candidate catches up', () => {
    const core = follower('3', { checkQuorum: false });
    core.step(msg('vote', '1', '3', { term: 4, index: 3, logTerm: 1 }));
    drain(core);
    core.step(msg('pre-vote', '2', '3', { term: 3, index: 3, logTerm: 1 }));
    expect(drain(core)).toMatchObject([{ type: 'pre-vote-resp', term: 4, reject: true }]);
  });

  it('a learner does not campaign', () => {
    const core = new RaftCore({ id: '4', random: seededRandom(1), peers: ['1', '2', '3'], learners: ['4'] });
    for (let i = 0; i < 100; i++) core.tick();
    expect(core.role).toBe('follower');
    core.campaign();
    expect(core.role).toBe('follower');
  });
});

describe('pre-vote', () => {
  it('keeps a partitioned node from inflating its term, so it rejoins without disruption', () => {
    const env = clusterWithLeader(3);
    const term = env.node('1').core.term;
    env.partition(['3']);
    for (let i = 0; i < 5; i++) {
      env.tickElection('3');
      env.stabilize();
    }
    expect(env.node('3').core.term).toBe(term);
    env.heal();
    env.tick('1', 1); // heartbeat
    env.stabilize();
    expect(env.node('1').core.status()).toMatchObject({ role: 'leader', term });
    expect(env.node('3').core.status()).toMatchObject({ role: 'follower', leader: '1', term });
  });

  it('(contrast) without pre-vote the partitioned node bumps its term and deposes the leader', () => {
    const env = clusterWithLeader(3, { preVote: false });
    const term = env.node('1').core.term;
    env.partition(['3']);
    for (let i = 0; i < 3; i++) {
      env.tickElection('3');
      env.stabilize();
    }
    expect(env.node('3').core.term).toBe(term + 3);
    env.heal();
    env.tick('1', 1);
    env.stabilize();
    expect(env.node('1').core.role).not.toBe('leader');
    expect(env.node('1').core.term).toBe(term + 3);
  });

  it('a pre-candidate that wins the pre-vote runs a real election at term+1', () => {
    const env = cluster(3);
    env.node('2').core.campaign();
    expect(env.node('2').core.role).toBe('pre-candidate');
    expect(env.node('2').core.term).toBe(1);
    env.stabilize();
    expect(env.node('2').core.status()).toMatchObject({ role: 'leader', term: 2 });
  });
});

describe('check-quorum', () => {
  it('a leader cut off from the quorum steps down within two election timeouts', () => {
    const env = clusterWithLeader(3);
    env.partition(['1']);
    env.tickElection('1');
    env.stabilize();
    expect(env.node('1').core.role).toBe('leader'); // the followers were active in the last interval
    env.tickElection('1');
    expect(env.node('1').core.role).toBe('follower');
  });

  it('a leader hearing from a quorum stays', () => {
    const env = clusterWithLeader(5);
    env.partition(['4', '5']);
    for (let i = 0; i < 5; i++) {
      env.tickElection('1');
      env.stabilize();
    }
    expect(env.node('1').core.role).toBe('leader');
  });

  it('followers that heard from the leader within the timeout ignore votes (leader lease)', () => {
    const env = clusterWithLeader(3);
    const f = env.node('3').core;
    f.step(msg('vote', '2', '3', { term: 9, index: 99, logTerm: 9 }));
    expect(f.status()).toMatchObject({ term: 2, vote: '1', leader: '1' });
    expect(f.hasReady()).toBe(false);
    // Once the lease has run out, the vote is granted.
    for (let i = 0; i < 10; i++) f.tick();
    f.step(msg('vote', '2', '3', { term: 9, index: 99, logTerm: 9 }));
    expect(f.status()).toMatchObject({ term: 9, vote: '2' });
  });

  it('without check-quorum there is no lease', () => {
    const env = clusterWithLeader(3, { checkQuorum: false });
    env.node('3').core.step(msg('vote', '2', '3', { term: 9, index: 99, logTerm: 9 }));
    expect(env.node('3').core.status()).toMatchObject({ term: 9, vote: '2' });
  });

  it('lease-based reads require check-quorum', () => {
    expect(() => new RaftCore({ id: '1', random: seededRandom(1), peers: ['1'], readOnlyOption: 'lease-based', checkQuorum: false })).toThrow(RaftConfigError);
  });
});

describe('terms', () => {
  it('a leader that sees a higher term steps down; stale-term messages are answered, not obeyed', () => {
    const env = clusterWithLeader(3);
    const leader = env.node('1').core;
    leader.step(msg('app-resp', '2', '1', { term: 7, index: 0 }));
    expect(leader.status()).toMatchObject({ role: 'follower', term: 7, leader: '' });

    const env2 = clusterWithLeader(3);
    const f = env2.node('2').core;
    f.step(msg('app', '9', '2', { term: 1, index: 3, logTerm: 1, entries: [] }));
    expect(f.status()).toMatchObject({ term: 2, leader: '1' });
    expect(drain(f)).toMatchObject([{ type: 'app-resp', to: '9', term: 2 }]);
  });

  it('elects again after the leader disappears', () => {
    const env = clusterWithLeader(3);
    env.partition(['1']);
    elect(env, '2');
    // 2 is still in 3's lease window: tick 3 out of it first.
    for (let i = 0; i < 10; i++) env.tick('3');
    elect(env, '2');
    expect(env.node('2').core.status()).toMatchObject({ role: 'leader', term: 3 });
  });
});
