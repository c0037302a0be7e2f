/**
 * WAL benchmark (not run by the tests): fsync'd saves per second of FileStorage
 * for batches of 1 and 64 entries of 256 bytes, plus 16 concurrent savers of
 * 1-entry batches to show group commit. Writes in a temp dir under os.tmpdir(),
 * so the figures are those of that file system.
 *
 *     node --conditions=@flynn-ts/source --import tsx packages/raft/bench/wal-bench.ts [ms-per-case]
 *
 * Prints one JSON line: {"bench":"raft-wal","figures":{...}}.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileStorage } from '../src/adapters/file-storage.js';
import type { Entry } from '../src/core/types.js';

const ENTRY_BYTES = 256;
const CASE_MS = Number(process.argv[2] ?? 2000);

interface CaseResult {
  savesPerSec: number;
  entriesPerSec: number;
  mibPerSec: number;
  savesPerFsync: number;
}

/** Runs `workers` loops of synced saves of `batch` entries for CASE_MS. */
async function runCase(batch: number, workers: number): Promise<CaseResult> {
  const dir = await mkdtemp(join(tmpdir(), 'flynn-wal-bench-'));
  try {
    const storage = await FileStorage.open(dir);
    const data = new Uint8Array(ENTRY_BYTES).map((_, i) => (i * 131) & 0xff);
    let next = 1;
    const save = (): Promise<void> => {
      const entries: Entry[] = [];
      for (let i = 0; i < batch; i++) entries.push({ index: next++, term: 1, type: 'normal', data });
      return storage.save({ entries, hardState: { term: 1, vote: 'n1', commit: next - 1 } }, true);
    };
    for (let i = 0; i < 20; i++) await save(); // warm-up
    const before = storage.stats;
    const start = performance.now();
    let saves = 0;
    const worker = async (): Promise<void> => {
      while (performance.now() - start < CASE_MS) {
        await save();
        saves++;
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    const seconds = (performance.now() - start) / 1000;
    const fsyncs = storage.stats.syncs - before.syncs;
    await storage.close();
    const round = (n: number): number => Math.round(n * 10) / 10;
    return {
      savesPerSec: round(saves / seconds),
      entriesPerSec: round((saves * batch) / seconds),
      mibPerSec: round((saves * batch * ENTRY_BYTES) / seconds / 2 ** 20),
      savesPerFsync: round(saves / Math.max(1, fsyncs)),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const one = await runCase(1, 1);
const sixtyFour = await runCase(64, 1);
const grouped = await runCase(1, 16);
console.log(
  JSON.stringify({
    bench: 'raft-wal',
    figures: {
      entry_bytes: ENTRY_BYTES,
      saves_per_s_batch1: one.savesPerSec,
      saves_per_s_batch64: sixtyFour.savesPerSec,
      entries_per_s_batch64: sixtyFour.entriesPerSec,
      mib_per_s_batch64: sixtyFour.mibPerSec,
      saves_per_s_batch1_16_concurrent: grouped.savesPerSec,
      saves_per_fsync_batch1_16_concurrent: grouped.savesPerFsync,
    },
  }),
);
