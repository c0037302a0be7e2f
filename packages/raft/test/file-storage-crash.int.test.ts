/**
 * Crash test with real processes: a child appends synced batches to a
 * FileStorage (with small segments, snapshots and compaction), printing each
 * acknowledged index, and is killed with SIGKILL mid-stream. Reopening must
 * recover every acknowledged entry, byte-exact, in a contiguous log.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStorage } from '../src/adapters/file-storage.js';
import type { Entry } from '../src/core/types.js';
import { expectEntries } from '../src/testing/describe-raft-storage.js';
import { CRASH_SEGMENT_SIZE, crashEntry, crashSnapshot } from './file-storage-fixture.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const childScript = fileURLToPath(new URL('./file-storage-crash-child.ts', import.meta.url));

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

interface ChildRun {
  acked: number;
  lines: number;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the child on `dir` and SIGKILLs it once it has acknowledged `killAfter` batches. */
function runChild(dir: string, killAfter: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=@flynn-ts/source', '--import', 'tsx', childScript, dir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: ChildRun = { acked: 0, lines: 0, signal: null, stderr: '' };
    let partial = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        run.acked = Math.max(run.acked, Number(line));
        run.lines++;
        if (run.lines === killAfter) child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (run.stderr += chunk));
    child.on('error', reject);
    child.on('exit', (_code, signal) => {
      clearTimeout(guard);
      run.signal = signal;
      resolve(run);
    });
  });
}

describe('FileStorage: crash with SIGKILL', () => {
  for (const killAfter of [3, 150, 700]) {
    it(`recovers every acknowledged entry after a kill at batch ${killAfter}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'flynn-raft-crash-'));
      dirs.push(dir);
      const run = await runChild(dir, killAfter);
      expect(run.stderr).toBe('');
      expect(run.signal).toBe('SIGKILL');
      expect(run.lines).toBeGreaterThanOrEqual(killAfter);

      const s = await FileStorage.open(dir, { segmentSize: CRASH_SEGMENT_SIZE });
      const st = await s.load();
      const snapIndex = st.snapshot?.meta.index ?? 0;
      if (st.snapshot) expect(st.snapshot).toEqual(crashSnapshot(snapIndex));
      const first = st.entries[0]?.index ?? snapIndex + 1;
      expect(first).toBeLessThanOrEqual(snapIndex + 1);
      if (!st.snapshot) expect(first).toBe(1);
      const last = st.entries.at(-1)?.index ?? snapIndex;
      expect(last).toBeGreaterThanOrEqual(run.acked);
      const expected: Entry[] = [];
      for (let i = first; i <= last; i++) expected.push(crashEntry(i));
      expectEntries(st.entries, expected);
      expect(st.hardState?.commit).toBeLessThanOrEqual(last);
      expect(st.hardState?.commit).toBeGreaterThanOrEqual(run.acked - 7);

      // The repaired WAL takes new writes and recovers them too.
      await s.appendEntries([crashEntry(last + 1)]);
      await s.close();
      const again = await FileStorage.open(dir, { segmentSize: CRASH_SEGMENT_SIZE });
      expectEntries((await again.load()).entries, [...expected, crashEntry(last + 1)]);
      await again.close();
    });
  }
});
