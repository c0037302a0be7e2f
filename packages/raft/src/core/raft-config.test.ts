/**
 * Construction: configuration validation, fresh-cluster bootstrap, and
 * recovery from stored state.
 */
import { InvariantError, seededRandom } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import { decodeConfChange } from './conf-change.js';
import { RaftConfigError } from './errors.js';
import { RaftCore } from './raft.js';
import type { RaftConfig } from './config.js';
import type { Entry } from './types.js';

const random = seededRandom(1);
const make = (c: Partial<RaftConfig>) => new RaftCore({ id: '1', random, ...c });

describe('configuration', () => {
  it.each([
    [{ id: '' }, 'id'],
    [{ electionTick: 2, heartbeatTick: 2 }, 'electionTick'],
    [{ heartbeatTick: 0 }, 'heartbeatTick'],
    [{ maxInflightMsgs: 0 }, 'maxInflightMsgs'],
    [{ maxInflightBytes: 10, maxSizePerMsg: 100 }, 'maxInflightBytes'],
    [{ readOnlyOption: 'lease-based' as const, checkQuorum: false }, 'readOnlyOption'],
    [{ peers: ['1'], learners: ['1'] }, 'learners'],
    [{ peers: [], learners: ['2'] }, 'peers'],
  ])('rejects %j', (c, field) => {
    let err: unknown;
    try {
      make(c);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RaftConfigError);
    expect((err as RaftConfigError).code).toBe('FLYNN_RAFT_CONFIG_INVALID');
    expect((err as RaftConfigError).detail).toEqual({ field });
  });
});

describe('bootstrap', () => {
  it('writes one conf-change entry per founder at term 1, committed, applied, to persist first', () => {
    const core = make({ peers: ['3', '1', '2'], learners: ['4'] });
    expect(core.status()).toMatchObject({ term: 1, commit: 4, applied: 4, conf: { voters: ['1', '2', '3'], learners: ['4'] } });
    const rd = core.ready();
    expect(rd.hardState).toEqual({ term: 1, vote: '', commit: 4 });
    expect(rd.mustSync).toBe(true);
    expect(rd.committedEntries).toEqual([]);
    expect(rd.entries.map((e) => `${e.term}/${e.index} ${decodeConfChange(e.data).type} ${decodeConfChange(e.data).node}`)).toEqual([
      '1/1 add-voter 1',
      '1/2 add-voter 2',
      '1/3 add-voter 3',
      '1/4 add-learner 4',
    ]);
    // Every founder writes the same entries.
    const other = new RaftCore({ id: '2', random, peers: ['2', '3', '1'], learners: ['4'] });
    expect(other.ready().entries).toEqual(rd.entries);
    core.advance(rd);
    expect(core.hasReady()).toBe(false);
  });

  it('a joining node starts empty: term 0, no membership, not campaigning', () => {
    const core = make({});
    expect(core.status()).toMatchObject({ term: 0, commit: 0, lastIndex: 0, conf: { voters: [], learners: [] } });
    for (let i = 0; i < 50; i++) core.tick();
    expect(core.role).toBe('follower');
    expect(core.hasReady()).toBe(false);
  });
});

describe('recovery', () => {
  const boot = () => {
    const core = make({ peers: ['1', '2', '3'] });
    const rd = core.ready();
    core.advance(rd);
    return { hardState: rd.hardState!, entries: rd.entries };
  };

  it('restarts from storage; peers are ignored; the membership comes from the log up to applied', () => {
    const stored = boot();
    const core = make({ log: stored, applied: 3, peers: ['9'] });
    expect(core.status()).toMatchObject({ term: 1, commit: 3, applied: 3, conf: { voters: ['1', '2', '3'], learners: [] } });
    expect(core.hasReady()).toBe(false);
  });

  it('re-delivers committed entries after applied, and rebuilds membership as they are applied', () => {
    const stored = boot();
    const core = make({ log: stored });
    expect(core.status().conf.voters).toEqual([]);
    const rd = core.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(rd.hardState).toBeUndefined(); // unchanged from storage
    for (const e of rd.committedEntries) core.applyConfChange(decodeConfChange(e.data));
    core.advance(rd);
    expect(core.status()).toMatchObject({ applied: 3, conf: { voters: ['1', '2', '3'] } });
  });

  it('starts after a snapshot, skipping entries it covers', () => {
    const entries: Entry[] = [5, 6, 7].map((index) => ({ term: 2, index, type: 'normal', data: new Uint8Array([index]) }));
    const core = make({
      log: {
        hardState: { term: 2, vote: '1', commit: 6 },
        snapshot: { meta: { index: 5, term: 2, conf: { voters: ['1', '2'], learners: [] } }, data: new Uint8Array(0) },
        entries,
      },
    });
    expect(core.status()).toMatchObject({ firstIndex: 6, lastIndex: 7, applied: 5, commit: 6, conf: { voters: ['1', '2'] } });
    expect(core.ready().committedEntries.map((e) => e.index)).toEqual([6]);
  });

  it('refuses corrupt stored state with an InvariantError carrying the values', () => {
    const stored = boot();
    expect(() => make({ log: { ...stored, hardState: { term: 1, vote: '', commit: 9 } } })).toThrow(InvariantError);
    expect(() => make({ log: { entries: [{ term: 1, index: 3, type: 'normal', data: new Uint8Array(0) }] } })).toThrow(/gap/);
  });
});
