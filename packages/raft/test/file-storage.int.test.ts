import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStorage } from '../src/adapters/file-storage.js';
import { snapshotFileName } from '../src/adapters/snapshot-file.js';
import { encodeSnapshotFile } from '../src/adapters/wal-record.js';
import type { Entry, HardState, Snapshot } from '../src/core/types.js';
import { describeRaftStorage, entryAt, entryRange, expectEntries } from '../src/testing/describe-raft-storage.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flynn-raft-wal-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

for (const [label, segmentSize] of [['FileStorage', undefined], ['FileStorage, 4 KiB segments', 4096]] as const) {
  describeRaftStorage(label, async () => {
    const dir = await tempDir();
    return {
      open: () => FileStorage.open(dir, segmentSize === undefined ? {} : { segmentSize }),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  });
}

const walDir = (dir: string): string => join(dir, 'wal');
async function segments(dir: string): Promise<string[]> {
  return (await readdir(walDir(dir))).filter((n) => n.endsWith('.wal')).sort().map((n) => join(walDir(dir), n));
}

/** Entry `i` with some bytes, and a hard state per save, one save per entry. */
function payload(i: number, n = 40): Uint8Array {
  return new Uint8Array(n).map((_, k) => (i * 31 + k) & 0xff);
}
/** Bytes of one `saveOneByOne` batch: entry (9 + 17 + 40), hard state (9 + 16 + 1), commit (9). */
const BATCH = 101;
const hs = (commit: number, term = 1): HardState => ({ term, vote: 'a', commit });
const snap = (index: number, term = 1): Snapshot => ({ meta: { index, term, conf: { voters: ['a'], learners: [] } }, data: payload(index, 100) });

async function saveOneByOne(s: FileStorage, from: number, to: number, size = 40): Promise<Entry[]> {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) {
    const e = entryAt(i, 1, payload(i, size));
    await s.save({ entries: [e], hardState: hs(i - 1) }, true);
    out.push(e);
  }
  return out;
}

async function expectCorrupt(p: Promise<unknown>, file: string): Promise<void> {
  const err = (await p.then(
    () => expect.fail('expected FLYNN_RAFT_STORAGE_CORRUPT'),
    (e: unknown) => e,
  )) as { code?: string; file?: string; offset?: number; detail?: unknown };
  expect(err.code).toBe('FLYNN_RAFT_STORAGE_CORRUPT');
  expect(err.file).toBe(file);
  expect(err.detail).toMatchObject({ file, offset: err.offset });
}

describe('FileStorage: torn tails', () => {
  it('recovers exactly the earlier batches when the last one is cut at any byte', async () => {
    const dir = await tempDir();
    let s = await FileStorage.open(dir);
    const first = await saveOneByOne(s, 1, 4);
    await s.close();
    const [seg] = await segments(dir);
    const before = (await stat(seg!)).size;
    s = await FileStorage.open(dir);
    await s.save({ entries: [entryAt(5, 1, payload(5))], hardState: hs(4) }, true);
    await s.close();
    const full = await readFile(seg!);
    expect(full.length).toBeGreaterThan(before + 40);
    for (let cut = before; cut < full.length; cut++) {
      await writeFile(seg!, full.subarray(0, cut));
      const r = await FileStorage.open(dir);
      const st = await r.load();
      expectEntries(st.entries, first);
      expect(st.hardState).toEqual(hs(3));
      await r.close();
      expect((await stat(seg!)).size, `cut at ${cut}: the torn tail is truncated`).toBe(before);
    }
    const r = await FileStorage.open(dir);
    await r.save({ entries: [entryAt(5, 2, payload(50))], hardState: hs(4, 2) }, true);
    await r.close();
    const st = await (await FileStorage.open(dir)).load();
    expectEntries(st.entries, [...first, entryAt(5, 2, payload(50))]);
  });

  it('drops garbage or zeros appended after the last batch', async () => {
    const dir = await tempDir();
    const s = await FileStorage.open(dir);
    const written = await saveOneByOne(s, 1, 6);
    await s.close();
    const [seg] = await segments(dir);
    const full = await readFile(seg!);
    for (const tail of [payload(7, 3), payload(9, 200), new Uint8Array(4096), new Uint8Array([0xff, 0xff, 0xff, 0x7f])]) {
      await writeFile(seg!, Buffer.concat([full, tail]));
      const r = await FileStorage.open(dir);
      expectEntries((await r.load()).entries, written);
      await r.close();
      expect((await stat(seg!)).size).toBe(full.length);
    }
  });

  it('drops the last batch when a checksum in it fails', async () => {
    const dir = await tempDir();
    const s = await FileStorage.open(dir);
    const written = await saveOneByOne(s, 1, 5);
    await s.close();
    const [seg] = await segments(dir);
    const full = await readFile(seg!);
    // The last batch is [entry 5 | hard state | commit]; flip a byte in each record.
    for (const at of [20, 9 + 17 + 40 + 20, BATCH - 5]) {
      const bad = Buffer.from(full);
      bad[full.length - BATCH + at]! ^= 0x10;
      await writeFile(seg!, bad);
      const r = await FileStorage.open(dir);
      const st = await r.load();
      expectEntries(st.entries, written.slice(0, 4));
      expect(st.hardState).toEqual(hs(3));
      await r.close();
      await writeFile(seg!, full);
    }
  });

  it('refuses to start when a checksum fails before the last batch of the last segment', async () => {
    const dir = await tempDir();
    const s = await FileStorage.open(dir);
    await saveOneByOne(s, 1, 5);
    await s.close();
    const [seg] = await segments(dir);
    const bad = await readFile(seg!);
    bad[bad.length - 3 * BATCH + 30]! ^= 0x01; // in the entry of batch 3 of 5
    await writeFile(seg!, bad);
    await expectCorrupt(FileStorage.open(dir), seg!);
  });

  it('removes a segment whose head a crash cut short', async () => {
    const dir = await tempDir();
    const s = await FileStorage.open(dir);
    const written = await saveOneByOne(s, 1, 3);
    await s.close();
    const torn = join(walDir(dir), '0000000000000002-0000000000000004.wal');
    await writeFile(torn, payload(1, 20));
    const r = await FileStorage.open(dir);
    expect(await segments(dir)).toHaveLength(1);
    await r.appendEntries([entryAt(4, 1)]);
    await r.close();
    expectEntries((await (await FileStorage.open(dir)).load()).entries, [...written, entryAt(4, 1)]);
  });
});

describe('FileStorage: segments', () => {
  it('rolls to a new segment at the size limit and replays them in order', async () => {
    const dir = await tempDir();
    const s = await FileStorage.open(dir, { segmentSize: 1024 });
    const written = await saveOneByOne(s, 1, 100, 100);
    expect(s.stats.segmentsCreated).toBeGreaterThan(8);
    await s.close();
    const segs = await segments(dir);
    expect(segs.length).toBeGreaterThan(8);
    const names = segs.map((p) => p.slice(-37));
    names.forEach((n, i) => expect(Number.parseInt(n.slice(0, 16), 16)).toBe(i + 1));
    const firsts = names.map((n) => Number.parseInt(n.slice(17, 33), 16));
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
    for (const p of segs) expect((await stat(p)).size).toBeLessThan(1024 + 200);
    const st = await (await FileStorage.open(dir, { segmentSize: 1024 })).load();
    expectEntries(st.entries, written);
    expect(st.hardState).toEqual(hs(99));
  });

  it('refuses to start when a record in an earlier segment is damaged', async () => {
    const dir = await tempDir();
    const s = await FileStorage.open(dir, { segmentSize: 1024 });
    await saveOneByOne(s, 1, 40, 100);
    await s.close();
    const segs = await segments(dir);
    const victim = segs[1]!;
    const bad = await readFile(victim);
    bad[Math.floor(bad.length / 2)]! ^= 0x40;
    await writeFile(victim, bad);
    await expectCorrupt(FileStorage.open(dir, { segmentSize: 1024 }), victim);
  });

  it('refuses to start when a segment is missing', async () => {
    const dir = await tempDir();
    const s = await FileStorage.open(dir, { segmentSize: 1024 });
    await saveOneByOne(s, 1, 40, 100);
    await s.close();
    const segs = await segments(dir);
    await rm(segs[2]!);
    await expect(FileStorage.open(dir)).rejects.toMatchObject({ code: 'FLYNN_RAFT_STORAGE_CORRUPT', file: segs[3] });
  });

  it('deletes the segments compaction covers and keeps what recovery needs', async () => {
    const dir = await tempDir();
    const s = await FileStorage.open(dir, { segmentSize: 1024 });
    await s.setHardState({ term: 7, vote: 'z', commit: 0 });
    const written: Entry[] = [];
    for (let i = 1; i <= 100; i++) {
      written.push(entryAt(i, 7, payload(i, 100)));
      await s.appendEntries([written.at(-1)!]);
    }
    await s.saveSnapshot(snap(80, 7));
    const count = (await segments(dir)).length;
    await s.compact(80);
    const left = await segments(dir);
    expect(left.length).toBeLessThan(count - 5);
    expect(left.length).toBe(s.stats.segmentsCreated - s.stats.segmentsDeleted);
    expect(Number.parseInt(left[0]!.slice(-20, -4), 16)).toBeLessThanOrEqual(81);
    await s.close();
    const st = await (await FileStorage.open(dir, { segmentSize: 1024 })).load();
    expect(st.snapshot?.meta.index).toBe(80);
    expect(st.hardState).toEqual({ term: 7, vote: 'z', commit: 0 });
    expectEntries(st.entries, written.slice(80));
  });

  it('keeps entries after a snapshot whose index lived in a deleted segment', async () => {
    const dir = await tempDir();
    const s = await FileStorage.open(dir, { segmentSize: 512 });
    const written = await saveOneByOne(s, 1, 12, 100);
    await s.saveSnapshot(snap(9));
    await s.saveSnapshot(snap(11));
    await s.compact(11);
    expect(s.stats.segmentsDeleted).toBeGreaterThan(0);
    await s.close();
    const st = await (await FileStorage.open(dir, { segmentSize: 512 })).load();
    expect(st.snapshot?.meta.index).toBe(11);
    expectEntries(st.entries, written.slice(11));
  });

  it('group-commits overlapping saves into fewer writes and fsyncs', async () => {
    const dir = await tempDir();
    const s = await FileStorage.open(dir);
    const saves: Promise<void>[] = [];
    for (let i = 1; i <= 200; i++) saves.push(s.save({ entries: [entryAt(i, 1)], hardState: hs(i) }, true));
    await Promise.all(saves);
    expect(s.stats.appends).toBe(200);
    expect(s.stats.syncs).toBeLessThan(200);
    expect(s.stats.writes).toBe(s.stats.syncs);
    await s.close();
    expectEntries((await (await FileStorage.open(dir)).load()).entries, entryRange(1, 200, 1));
  });
});

describe('FileStorage: snapshot files', () => {
  it('ignores and removes a temp file and an unacknowledged newer snapshot left by a crash', async () => {
    const dir = await tempDir();
    const s = await FileStorage.open(dir);
    await s.appendEntries(entryRange(1, 20, 1));
    await s.saveSnapshot(snap(10));
    await s.close();
    const snapDir = join(dir, 'snap');
    const orphan = snapshotFileName({ index: 15, term: 1 });
    await writeFile(join(snapDir, `${snapshotFileName({ index: 20, term: 1 })}.tmp`), payload(3, 50));
    await writeFile(join(snapDir, orphan), encodeSnapshotFile(snap(15)));
    const r = await FileStorage.open(dir);
    const st = await r.load();
    expect(st.snapshot?.meta.index).toBe(10);
    expectEntries(st.entries, entryRange(1, 20, 1));
    expect(await readdir(snapDir)).toEqual([snapshotFileName({ index: 10, term: 1 })]);
    await r.close();
  });

  it('keeps the newest two snapshots and falls back to the older one when the newest is damaged', async () => {
    const dir = await tempDir();
    const s = await FileStorage.open(dir);
    await s.appendEntries(entryRange(1, 30, 1));
    for (const i of [10, 20, 25]) await s.saveSnapshot(snap(i));
    const snapDir = join(dir, 'snap');
    expect((await readdir(snapDir)).sort()).toEqual([snapshotFileName({ index: 20, term: 1 }), snapshotFileName({ index: 25, term: 1 })]);
    await s.close();
    const newest = join(snapDir, snapshotFileName({ index: 25, term: 1 }));
    const bytes = await readFile(newest);
    bytes[bytes.length - 1]! ^= 1;
    await writeFile(newest, bytes);
    const r = await FileStorage.open(dir);
    const st = await r.load();
    expect(st.snapshot?.meta.index).toBe(20);
    expectEntries(st.entries, entryRange(1, 30, 1));
    await r.compact(25); // now the log no longer reaches back to the fallback
    await r.close();
    await expect((await FileStorage.open(dir)).load()).rejects.toMatchObject({ code: 'FLYNN_RAFT_STORAGE_CORRUPT' });
  });
});
