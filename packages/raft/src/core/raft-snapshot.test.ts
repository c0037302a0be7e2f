/**
 * Snapshots: log compaction, catching up a follower that needs compacted
 * entries, and restart from a snapshot.
 */
import { seededRandom } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { appliedData, bytes, clusterWithLeader, msg, proposeAndSettle } from '../testing/interaction-fixtures.js';
import { RaftCore } from './raft.js';
import type { Snapshot } from './types.js';

describe('snapshots', () => {
  it('a follower behind the compaction point is caught up with a snapshot', () => {
    const env = clusterWithLeader(3, { heartbeatTick: 5 });
    env.partition(['3']);
    for (const d of ['a', 'b', 'c']) proposeAndSettle(env, '1', d);
    env.snapshot('1');
    proposeAndSettle(env, '1', 'd');
    env.heal();
    let snaps = 0;
    env.onDeliver = (m) => {
      if (m.type === 'snap') snaps++;
    };
    env.tick('1', 5);
    env.stabilize();
    expect(snaps).toBe(1);
    expect(appliedData(env, '3')).toEqual(['a', 'b', 'c', 'd']);
    // The snapshot covers 1..7 (bootstrap, empty entry, a, b, c); d came after it.
    expect(env.node('3').core.status().firstIndex).toBe(8);
    expect(env.node('1').core.status().progress?.['3']).toMatchObject({ state: 'replicate', match: 8 });
  });

  it('waits while no snapshot is available, and retries later', () => {
    const source: { snapshot?: Snapshot } = {};
    const env = clusterWithLeader(3, { heartbeatTick: 5 });
    env.partition(['3']);
    proposeAndSettle(env, '1', 'a');
    const snap = env.snapshot('1');
    // Replace the leader with one whose snapshot source is (for now) empty.
    const node = env.node('1');
    const core = new RaftCore({
      id: '1',
      random: seededRandom(3),
      log: { hardState: node.storage.hardState, snapshot: node.storage.snapshot, entries: node.storage.entries },
      applied: node.appliedIndex,
      heartbeatTick: 5,
      snapshotSource: () => source.snapshot,
    });
    node.core = core;
    env.heal();
    for (const id of ['2', '3']) env.tick(id, 10);
    core.campaign();
    env.stabilize();
    expect(core.role).toBe('leader');
    expect(env.node('3').core.status().commit).toBeLessThan(snap.meta.index);
    source.snapshot = snap;
    core.tick();
    for (let i = 0; i < 5; i++) core.tick();
    env.stabilize();
    expect(appliedData(env, '3')).toEqual(['a']);
  });

  it('a snapshot the follower already covers is ignored, one it partly has fast-forwards commit', () => {
    const env = clusterWithLeader(3);
    proposeAndSettle(env, '1', 'a');
    const f = env.node('2').core;
    const conf = { voters: ['1', '2', '3'], learners: [] };
    f.step(msg('snap', '1', '2', { term: 2, snapshot: { meta: { index: 3, term: 1, conf }, data: new Uint8Array(0) } }));
    const rd = f.ready();
    expect(rd.snapshot).toBeUndefined();
    expect(rd.messages).toMatchObject([{ type: 'app-resp', index: 5 }]);
    f.advance(rd);

    // 2 gets 2/6 but not yet its commit; a snapshot at 2/6 only moves commit.
    env.node('1').core.propose(bytes('b'));
    env.processReady('1');
    env.deliverMessages('2');
    env.processReady('2');
    expect(f.status()).toMatchObject({ lastIndex: 6, commit: 5 });
    f.step(msg('snap', '1', '2', { term: 2, snapshot: { meta: { index: 6, term: 2, conf }, data: new Uint8Array(0) } }));
    const rd2 = f.ready();
    expect(rd2.snapshot).toBeUndefined();
    expect(rd2.hardState?.commit).toBe(6);
    expect(rd2.messages).toMatchObject([{ type: 'app-resp', index: 6 }]);
    f.advance(rd2);
  });

  it('a node restarts from its snapshot and log', () => {
    const env = clusterWithLeader(3);
    for (const d of ['a', 'b']) proposeAndSettle(env, '1', d);
    env.snapshot('2');
    proposeAndSettle(env, '1', 'c');
    env.restart('2');
    expect(env.node('2').core.status()).toMatchObject({ applied: 6, commit: 7, firstIndex: 7 });
    env.stabilize();
    expect(appliedData(env, '2')).toEqual(['a', 'b', 'c']);
  });

  it('compaction keeps a tail when asked to', () => {
    const env = clusterWithLeader(3);
    for (const d of ['a', 'b', 'c']) proposeAndSettle(env, '1', d);
    env.snapshot('1', 5);
    expect(env.node('1').core.status().firstIndex).toBe(6);
    expect(env.node('1').core.termAt(5)).toBe(2);
    expect(env.node('1').core.termAt(4)).toBeUndefined();
  });
});
