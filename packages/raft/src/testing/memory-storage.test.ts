import { describe, expect, it } from 'vitest';
import { describeRaftStorage, entryAt, entryRange, expectEntries } from './describe-raft-storage.js';
import { MemoryStorage } from './memory-storage.js';

describeRaftStorage('MemoryStorage', () => {
  let current: MemoryStorage | undefined;
  return {
    open: async () => (current = current ? current.crash() : new MemoryStorage()),
    cleanup: async () => {
      current = undefined;
    },
  };
});

describe('MemoryStorage.crash', () => {
  it('loses unsynced saves on a power loss, up to the last synced one', async () => {
    const s = new MemoryStorage();
    await s.save({ entries: entryRange(1, 2, 1) }, false);
    await s.save({ entries: [entryAt(3, 1)], hardState: { term: 1, vote: 'a', commit: 1 } }, true);
    await s.save({ entries: [entryAt(4, 1)], hardState: { term: 1, vote: 'a', commit: 3 } }, false);
    const r = s.crash('power-loss');
    const st = await r.load();
    expectEntries(st.entries, entryRange(1, 3, 1));
    expect(st.hardState).toEqual({ term: 1, vote: 'a', commit: 1 });
    await r.appendEntries([entryAt(4, 2)]);
    expectEntries((await r.crash().load()).entries, [...entryRange(1, 3, 1), entryAt(4, 2)]);
  });

  it('keeps everything when only the process died', async () => {
    const s = new MemoryStorage();
    await s.save({ entries: entryRange(1, 4, 1), hardState: { term: 1, vote: '', commit: 2 } }, false);
    const st = await s.crash('process').load();
    expectEntries(st.entries, entryRange(1, 4, 1));
    expect(st.hardState).toEqual({ term: 1, vote: '', commit: 2 });
  });

  it('may lose a compaction, which leaves entries the snapshot covers', async () => {
    const s = new MemoryStorage();
    await s.appendEntries(entryRange(1, 10, 1));
    await s.saveSnapshot({ meta: { index: 6, term: 1, conf: { voters: ['a'], learners: [] } }, data: new Uint8Array([1]) });
    await s.compact(6);
    expectEntries((await s.load()).entries, entryRange(7, 10, 1));
    const st = await s.crash().load();
    expect(st.snapshot?.meta.index).toBe(6);
    expectEntries(st.entries, entryRange(1, 10, 1));
  });

  it('closes the crashed instance', async () => {
    const s = new MemoryStorage();
    s.crash();
    await expect(s.load()).rejects.toMatchObject({ code: 'FLYNN_RAFT_STORAGE_CLOSED' });
  });

  it('refuses to compact past the snapshot or to go back to an older snapshot', async () => {
    const s = new MemoryStorage();
    await s.appendEntries(entryRange(1, 10, 1));
    await expect(s.compact(3)).rejects.toMatchObject({ code: 'FLYNN_CORE_INVARIANT' });
    const conf = { voters: ['a'], learners: [] };
    await s.saveSnapshot({ meta: { index: 8, term: 1, conf }, data: new Uint8Array(0) });
    await expect(s.saveSnapshot({ meta: { index: 7, term: 1, conf }, data: new Uint8Array(0) })).rejects.toMatchObject({
      code: 'FLYNN_CORE_INVARIANT',
    });
    await expect(s.compact(9)).rejects.toMatchObject({ code: 'FLYNN_CORE_INVARIANT' });
    await s.compact(8);
    expectEntries((await s.load()).entries, entryRange(9, 10, 1));
  });
});
