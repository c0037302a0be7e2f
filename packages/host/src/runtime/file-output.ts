import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutputChunk } from '../contracts.js';
import { encodeProcessCursor } from './core/cursor.js';
import type { ProcessCursor } from './core/cursor.js';
import { DirWatcher } from './dir-watcher.js';

const CHUNK = 64 * 1024;

export interface FollowOptions {
  /** Directory holding the output files (watched for changes). */
  dir: string;
  /** True once the job has exited and its output files are complete. */
  isExited: () => Promise<boolean>;
  pollMs: number;
  signal?: AbortSignal;
}

/**
 * Tails the process driver's `stdout` and `stderr` files from `from`, yielding
 * chunks of up to 64 KiB with cursors holding both offsets, until the job has
 * exited and both files are drained. The order between the two streams is
 * best effort (whichever file has new bytes first).
 */
export async function* followProcessOutput(from: ProcessCursor, opts: FollowOptions): AsyncGenerator<OutputChunk> {
  const pos: ProcessCursor = { ...from };
  const watcher = new DirWatcher(opts.dir, opts.pollMs);
  const files = new Map<'stdout' | 'stderr', FileHandle>();
  try {
    let exited = false;
    for (;;) {
      let progressed = false;
      for (const stream of ['stdout', 'stderr'] as const) {
        const data = await readAt(files, stream, join(opts.dir, stream), pos[stream]);
        if (data.length === 0) continue;
        pos[stream] += data.length;
        progressed = true;
        yield { stream, data, cursor: encodeProcessCursor(pos) };
      }
      if (progressed) continue;
      if (exited || opts.signal?.aborted) return;
      // After the exit file appears the files are complete: one more drain pass, then end.
      if (await opts.isExited()) exited = true;
      else await watcher.next(opts.signal);
    }
  } finally {
    watcher.close();
    for (const fh of files.values()) await fh.close().catch(() => {});
  }
}

async function readAt(files: Map<'stdout' | 'stderr', FileHandle>, stream: 'stdout' | 'stderr', path: string, position: number): Promise<Buffer> {
  let fh = files.get(stream);
  if (!fh) {
    try {
      fh = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
      throw err;
    }
    files.set(stream, fh);
  }
  const buf = Buffer.allocUnsafe(CHUNK);
  const { bytesRead } = await fh.read(buf, 0, CHUNK, position);
  return buf.subarray(0, bytesRead);
}
