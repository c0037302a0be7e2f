/**
 * Snapshot files: `snap/<term>-<index>.snap` (16 hex digits each), one
 * CRC-checked record (see wal-record.ts). Written atomically: a temp file is
 * written and fsynced, renamed into place, and the directory fsynced, so a crash
 * leaves the old set of files or the new one, plus at most a `.tmp` that the
 * next open removes.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Snapshot } from '../core/types.js';
import type { SnapshotMark } from './log-state.js';
import { hex16, listNames, syncDir, writeAll } from './storage-fs.js';
import { decodeSnapshotFile } from './wal-record.js';

export interface SnapshotFileName extends SnapshotMark {
  name: string;
}

const SNAP_RE = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;
const TMP_SUFFIX = '.tmp';

export function snapshotFileName(m: SnapshotMark): string {
  return `${hex16(m.term)}-${hex16(m.index)}.snap`;
}

export class SnapshotDir {
  constructor(readonly dir: string) {}

  /** The snapshot files, newest (highest index, then term) first. Temp files are not listed. */
  async list(): Promise<SnapshotFileName[]> {
    const out: SnapshotFileName[] = [];
    for (const name of await listNames(this.dir)) {
      const m = SNAP_RE.exec(name);
      if (m) out.push({ name, term: Number.parseInt(m[1]!, 16), index: Number.parseInt(m[2]!, 16) });
    }
    return out.sort((a, b) => b.index - a.index || b.term - a.term);
  }

  /** Removes the temp files of writes a crash interrupted. */
  async removeTemp(): Promise<void> {
    const temps = (await listNames(this.dir)).filter((n) => n.endsWith(TMP_SUFFIX));
    await this.remove(temps);
  }

  /** Writes a snapshot encoded by `encodeSnapshotFile` atomically (temp file, fsync, rename, directory fsync). */
  async write(mark: SnapshotMark, bytes: Uint8Array): Promise<void> {
    const name = snapshotFileName(mark);
    const tmp = join(this.dir, name + TMP_SUFFIX);
    const handle = await open(tmp, 'w');
    try {
      await writeAll(handle, bytes, 0);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(tmp, join(this.dir, name));
    await syncDir(this.dir);
  }

  /** Reads and checks one snapshot file; throws an Error when it is damaged or does not match its name. */
  async read(f: SnapshotFileName): Promise<Snapshot> {
    const snap = decodeSnapshotFile(await readFile(join(this.dir, f.name)));
    if (snap.meta.index !== f.index || snap.meta.term !== f.term) {
      throw new Error(`snapshot file holds ${snap.meta.term}-${snap.meta.index}, its name says ${f.term}-${f.index}`);
    }
    return snap;
  }

  /** Keeps the newest `keep` snapshots at or below `upTo`; deletes older ones (newer ones are left alone). */
  async prune(upTo: number, keep: number): Promise<void> {
    const old = (await this.list()).filter((f) => f.index <= upTo).slice(keep);
    await this.remove(old.map((f) => f.name));
  }

  /** Deletes the named files and fsyncs the directory (nothing when the list is empty). */
  async remove(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    for (const n of names) await unlink(join(this.dir, n));
    await syncDir(this.dir);
  }
}
