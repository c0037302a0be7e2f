/**
 * Child process of the crash test: appends batches to a FileStorage with sync
 * and prints the last index of each acknowledged batch on its own line, until
 * the parent kills it with SIGKILL. Usage: node --import tsx <this> <dir>
 */
import { FileStorage } from '../src/adapters/file-storage.js';
import type { Entry } from '../src/core/types.js';
import { CRASH_SEGMENT_SIZE, CRASH_SNAPSHOT_EVERY, crashBatchSize, crashEntry, crashSnapshot } from './file-storage-fixture.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: file-storage-crash-child.ts <dir>');

const storage = await FileStorage.open(dir, { segmentSize: CRASH_SEGMENT_SIZE });
const state = await storage.load();
let last = state.entries.at(-1)?.index ?? state.snapshot?.meta.index ?? 0;

for (let n = 0; n < 1_000_000; n++) {
  const entries: Entry[] = [];
  for (let i = 1; i <= crashBatchSize(n); i++) entries.push(crashEntry(last + i));
  await storage.save({ entries, hardState: { term: entries.at(-1)!.term, vote: 'n1', commit: last } }, true);
  last += entries.length;
  process.stdout.write(`${last}\n`);
  if (n % CRASH_SNAPSHOT_EVERY === CRASH_SNAPSHOT_EVERY - 1) {
    await storage.saveSnapshot(crashSnapshot(last - 40));
    await storage.compact(last - 40);
  }
}
await storage.close();
