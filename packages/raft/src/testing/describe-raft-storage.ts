/**
 * The `RaftStorage` conformance suite. Every implementation runs it:
 *
 *     describeRaftStorage('FileStorage', () => {
 *       const dir = mkdtempSync(...);
 *       return { open: () => FileStorage.open(dir), cleanup: () => rm(dir, { recursive: true }) };
 *     });
 *
 * `factory()` is called once per test. `open()` may be called several times:
 * the suite closes the previous storage first, so each later call is a restart
 * on the same data. A known gap is declared with `skip: [{ reason, tests }]`,
 * naming tests from `RAFT_STORAGE_TESTS`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Entry, EntryType, HardState, Snapshot } from '../core/types.js';
import type { RaftStorage, RecoveredState } from '../storage.js';

export interface RaftStorageHarness {
  /** Opens the storage; after the suite closed the previous one, a restart on the same data. */
  open(): Promise<RaftStorage>;
  /** Removes everything the harness made. */
  cleanup(): Promise<void>;
}

export interface DescribeRaftStorageOptions {
  skip?: { reason: string; tests: RaftStorageTest[] }[];
}

export const RAFT_STORAGE_TESTS = [
  'loads nothing from new storage',
  'recovers appended entries after a restart',
  'replaces the suffix when entries start at or below the last index',
  'keeps the last hard state',
  'persists the snapshot, entries and hard state of one batch together',
  'returns the snapshot and the entries after it once compacted',
  'keeps the log after a snapshot that matches it',
  'replaces the log when a snapshot does not match it',
  'returns the newest snapshot',
  'round-trips a large batch',
  'recovers many small saves in order',
  'keeps entry data byte-exact and owns its copies',
  'applies overlapping saves in call order',
  'makes unsynced saves durable on close',
  'refuses a gap or a rewrite of snapshotted entries and stays usable',
  'rejects calls after close',
] as const;

export type RaftStorageTest = (typeof RAFT_STORAGE_TESTS)[number];

const text = new TextEncoder();

/** An entry whose data names it, so mix-ups show. */
export function entryAt(index: number, term: number, data: Uint8Array = text.encode(`entry ${index} term ${term}`), type: EntryType = 'normal'): Entry {
  return { index, term, type, data };
}

export function entryRange(from: number, to: number, term: number): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push(entryAt(i, term));
  return out;
}

function snapshotAt(index: number, term: number, data: Uint8Array = text.encode(`state as of ${index}`)): Snapshot {
  return { meta: { index, term, conf: { voters: ['a', 'b', 'c'], learners: ['d'] } }, data };
}

/** Deterministic bytes (xorshift32), so failures reproduce. */
function pseudoRandomBytes(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Compares entries field by field and byte by byte, failing at the first difference. */
export function expectEntries(actual: readonly Entry[], expected: readonly Entry[]): void {
  const where = (i: number): string => `entry #${i} (index ${expected[i]?.index ?? actual[i]?.index})`;
  expect(actual.map((e) => e.index), 'indexes').toEqual(expected.map((e) => e.index));
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    expect({ term: a.term, type: a.type }, where(i)).toEqual({ term: e.term, type: e.type });
    expect(a.data, `${where(i)} data`).toBeInstanceOf(Uint8Array);
    if (!sameBytes(a.data, e.data)) expect.fail(`${where(i)}: data differs (${a.data.length} bytes, expected ${e.data.length})`);
  }
}

/** The recovered log must be contiguous; entries at or below the snapshot are skipped by the caller. */
function after(state: RecoveredState, index: number): Entry[] {
  const ents = state.entries;
  for (let i = 1; i < ents.length; i++) expect(ents[i]!.index, 'recovered entries are contiguous').toBe(ents[i - 1]!.index + 1);
  if (state.snapshot && ents[0]) expect(ents[0].index).toBeLessThanOrEqual(state.snapshot.meta.index + 1);
  return ents.filter((e) => e.index > index);
}

function expectSnapshot(actual: Snapshot | undefined, expected: Snapshot): void {
  expect(actual?.meta).toEqual(expected.meta);
  if (!actual || !sameBytes(actual.data, expected.data)) expect.fail('snapshot data differs');
}

export function describeRaftStorage(
  name: string,
  factory: () => RaftStorageHarness | Promise<RaftStorageHarness>,
  options: DescribeRaftStorageOptions = {},
): void {
  const skipped = new Map<string, string>();
  for (const s of options.skip ?? []) {
    for (const t of s.tests) {
      if (!(RAFT_STORAGE_TESTS as readonly string[]).includes(t)) throw new Error(`describeRaftStorage: unknown test "${t}"`);
      skipped.set(t, s.reason);
    }
  }

  describe(`RaftStorage conformance: ${name}`, () => {
    let harness: RaftStorageHarness | undefined;
    let current: RaftStorage | undefined;

    afterEach(async () => {
      await current?.close().catch(() => undefined);
      current = undefined;
      await harness?.cleanup();
      harness = undefined;
    });

    const start = async (): Promise<RaftStorage> => {
      harness = await factory();
      current = await harness.open();
      return current;
    };
    const restart = async (): Promise<RaftStorage> => {
      await current?.close();
      current = await harness!.open();
      return current;
    };
    const test = (title: RaftStorageTest, fn: () => Promise<void>): void => {
      const reason = skipped.get(title);
      if (reason === undefined) it(title, fn);
      else it.skip(`${title} (skipped: ${reason})`, fn);
    };

    test('loads nothing from new storage', async () => {
      const s = await start();
      expect(await s.load()).toEqual({ hardState: undefined, snapshot: undefined, entries: [] });
      expect(await (await restart()).load()).toEqual({ hardState: undefined, snapshot: undefined, entries: [] });
    });

    test('recovers appended entries after a restart', async () => {
      const s = await start();
      await s.appendEntries(entryRange(1, 5, 1));
      await s.appendEntries(entryRange(6, 7, 2));
      expectEntries((await s.load()).entries, [...entryRange(1, 5, 1), ...entryRange(6, 7, 2)]);
      expectEntries((await (await restart()).load()).entries, [...entryRange(1, 5, 1), ...entryRange(6, 7, 2)]);
    });

    test('replaces the suffix when entries start at or below the last index', async () => {
      const s = await start();
      await s.appendEntries(entryRange(1, 10, 1));
      await s.appendEntries(entryRange(5, 6, 2));
      const want = [...entryRange(1, 4, 1), ...entryRange(5, 6, 2)];
      expectEntries((await s.load()).entries, want);
      const r = await restart();
      expectEntries((await r.load()).entries, want);
      await r.appendEntries([entryAt(7, 2)]);
      await r.appendEntries([entryAt(3, 3)]);
      expectEntries((await (await restart()).load()).entries, [...entryRange(1, 2, 1), entryAt(3, 3)]);
    });

    test('keeps the last hard state', async () => {
      const s = await start();
      await s.setHardState({ term: 1, vote: 'a', commit: 0 });
      await s.setHardState({ term: 2, vote: '', commit: 3 });
      await s.save({ hardState: { term: 3, vote: 'nöde-ü', commit: 4 }, entries: [] }, true);
      expect((await s.load()).hardState).toEqual({ term: 3, vote: 'nöde-ü', commit: 4 });
      expect((await (await restart()).load()).hardState).toEqual({ term: 3, vote: 'nöde-ü', commit: 4 });
    });

    test('persists the snapshot, entries and hard state of one batch together', async () => {
      const s = await start();
      const snap = snapshotAt(10, 2);
      const hs: HardState = { term: 2, vote: 'b', commit: 12 };
      await s.save({ snapshot: snap, entries: entryRange(11, 15, 2), hardState: hs }, true);
      for (const st of [await s.load(), await (await restart()).load()]) {
        expectSnapshot(st.snapshot, snap);
        expect(st.hardState).toEqual(hs);
        expectEntries(after(st, 10), entryRange(11, 15, 2));
      }
    });

    test('returns the snapshot and the entries after it once compacted', async () => {
      const s = await start();
      await s.save({ entries: entryRange(1, 20, 1), hardState: { term: 1, vote: 'a', commit: 20 } }, true);
      const snap = snapshotAt(10, 1);
      await s.saveSnapshot(snap);
      await s.compact(10);
      await s.appendEntries(entryRange(21, 25, 1));
      const live = await s.load();
      expectSnapshot(live.snapshot, snap);
      expectEntries(after(live, 10), entryRange(11, 25, 1));
      const r = await restart();
      const st = await r.load();
      expectSnapshot(st.snapshot, snap);
      expect(st.hardState).toEqual({ term: 1, vote: 'a', commit: 20 });
      expectEntries(after(st, 10), entryRange(11, 25, 1));
      await r.saveSnapshot(snapshotAt(25, 1));
      await r.compact(25);
      const again = await restart();
      const end = await again.load();
      expect(end.snapshot?.meta.index).toBe(25);
      expect(after(end, 25)).toEqual([]);
      await expect(again.appendEntries([entryAt(27, 1)])).rejects.toMatchObject({ code: 'FLYNN_CORE_INVARIANT' });
      await again.appendEntries([entryAt(26, 2)]);
      expectEntries(after(await (await restart()).load(), 25), [entryAt(26, 2)]);
    });

    test('keeps the log after a snapshot that matches it', async () => {
      const s = await start();
      await s.appendEntries(entryRange(1, 20, 1));
      await s.saveSnapshot(snapshotAt(15, 1));
      const st = await (await restart()).load();
      expect(st.snapshot?.meta.index).toBe(15);
      expectEntries(after(st, 15), entryRange(16, 20, 1));
    });

    test('replaces the log when a snapshot does not match it', async () => {
      const s = await start();
      await s.appendEntries(entryRange(1, 20, 1));
      await s.save({ snapshot: snapshotAt(15, 3), entries: [], hardState: { term: 3, vote: '', commit: 15 } }, true);
      await s.appendEntries(entryRange(16, 17, 3));
      const st = await (await restart()).load();
      expect(st.snapshot?.meta).toEqual(snapshotAt(15, 3).meta);
      expectEntries(after(st, 15), entryRange(16, 17, 3));
      const r = current!;
      await r.saveSnapshot(snapshotAt(30, 4));
      expect(after(await r.load(), 30)).toEqual([]);
      await r.appendEntries([entryAt(31, 4)]);
      expectEntries(after(await (await restart()).load(), 30), [entryAt(31, 4)]);
    });

    test('returns the newest snapshot', async () => {
      const s = await start();
      await s.appendEntries(entryRange(1, 12, 1));
      await s.saveSnapshot(snapshotAt(5, 1));
      await s.saveSnapshot(snapshotAt(10, 1));
      expectSnapshot((await s.load()).snapshot, snapshotAt(10, 1));
      expectSnapshot((await (await restart()).load()).snapshot, snapshotAt(10, 1));
    });

    test('round-trips a large batch', async () => {
      const s = await start();
      const ents: Entry[] = [];
      for (let i = 1; i <= 3000; i++) ents.push(entryAt(i, 1 + (i >> 10), pseudoRandomBytes(i, (i * 7919) % 2048)));
      ents.push(entryAt(3001, 3, pseudoRandomBytes(3001, 1 << 20)));
      await s.save({ entries: ents, hardState: { term: 3, vote: 'a', commit: 3001 } }, true);
      const st = await (await restart()).load();
      expectEntries(st.entries, ents);
      expect(st.hardState).toEqual({ term: 3, vote: 'a', commit: 3001 });
    });

    test('recovers many small saves in order', async () => {
      const s = await start();
      for (let i = 1; i <= 400; i++) {
        await s.save({ entries: [entryAt(i, 1)], hardState: { term: 1, vote: 'a', commit: i - 1 } }, i % 3 !== 0);
      }
      const st = await (await restart()).load();
      expectEntries(st.entries, entryRange(1, 400, 1));
      expect(st.hardState).toEqual({ term: 1, vote: 'a', commit: 399 });
    });

    test('keeps entry data byte-exact and owns its copies', async () => {
      const s = await start();
      const all = new Uint8Array(256).map((_, i) => i);
      const ents = [
        entryAt(11, 1, new Uint8Array(0)),
        entryAt(12, 1, all),
        entryAt(13, 1, pseudoRandomBytes(3, 4099)),
        entryAt(14, 1, text.encode('{"type":"add-voter","node":"n4"}'), 'conf-change'),
        entryAt(15, 1, new Uint8Array(new ArrayBuffer(64), 16, 8).fill(0xff)),
      ];
      const expected = ents.map((e) => ({ ...e, data: new Uint8Array(e.data) }));
      const snap = snapshotAt(10, 1, pseudoRandomBytes(9, 777));
      const snapCopy = new Uint8Array(snap.data);
      await s.save({ entries: ents, snapshot: snap }, true);
      all.fill(7); // the storage must have copied what it was given
      snap.data.fill(7);
      const first = await s.load();
      expectEntries(after(first, 10), expected);
      first.entries.at(-4)!.data.fill(9); // ...and what it returns belongs to the caller
      expectEntries(after(await s.load(), 10), expected);
      const st = await (await restart()).load();
      expectEntries(after(st, 10), expected);
      expect(after(st, 10).map((e) => e.data.length)).toEqual([0, 256, 4099, 32, 8]);
      if (!st.snapshot || !sameBytes(st.snapshot.data, snapCopy)) expect.fail('snapshot data differs');
    });

    test('applies overlapping saves in call order', async () => {
      const s = await start();
      const saves: Promise<void>[] = [];
      for (let i = 1; i <= 60; i++) {
        const batch = i === 30 ? { entries: [entryAt(i, 1)], snapshot: snapshotAt(20, 1) } : { entries: [entryAt(i, 1)] };
        saves.push(s.save({ ...batch, hardState: { term: 1, vote: '', commit: i } }, i % 2 === 0));
      }
      await Promise.all(saves);
      const st = await (await restart()).load();
      expect(st.snapshot?.meta.index).toBe(20);
      expectEntries(after(st, 0), entryRange(1, 60, 1));
      expect(st.hardState).toEqual({ term: 1, vote: '', commit: 60 });
    });

    test('makes unsynced saves durable on close', async () => {
      const s = await start();
      for (let i = 1; i <= 5; i++) await s.save({ entries: [entryAt(i, 1)], hardState: { term: 1, vote: '', commit: i } }, false);
      const st = await (await restart()).load();
      expectEntries(st.entries, entryRange(1, 5, 1));
      expect(st.hardState).toEqual({ term: 1, vote: '', commit: 5 });
    });

    test('refuses a gap or a rewrite of snapshotted entries and stays usable', async () => {
      const s = await start();
      await s.appendEntries(entryRange(1, 3, 1));
      await expect(s.appendEntries([entryAt(5, 1)])).rejects.toMatchObject({ code: 'FLYNN_CORE_INVARIANT' });
      await expect(s.appendEntries([entryAt(4, 1), entryAt(6, 1)])).rejects.toMatchObject({ code: 'FLYNN_CORE_INVARIANT' });
      await s.appendEntries([entryAt(4, 1)]);
      await s.saveSnapshot(snapshotAt(2, 1));
      await expect(s.appendEntries([entryAt(2, 2)])).rejects.toMatchObject({ code: 'FLYNN_CORE_INVARIANT' });
      expectEntries(after(await (await restart()).load(), 0), entryRange(1, 4, 1));
    });

    test('rejects calls after close', async () => {
      const s = await start();
      await s.appendEntries(entryRange(1, 2, 1));
      await s.close();
      await s.close();
      await expect(s.load()).rejects.toMatchObject({ code: 'FLYNN_RAFT_STORAGE_CLOSED' });
      await expect(s.appendEntries([entryAt(3, 1)])).rejects.toMatchObject({ code: 'FLYNN_RAFT_STORAGE_CLOSED' });
      current = await harness!.open();
      expectEntries((await current.load()).entries, entryRange(1, 2, 1));
    });
  });
}
