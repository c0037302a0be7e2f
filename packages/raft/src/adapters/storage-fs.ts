/**
 * Small durable-file helpers for the file storage: write fully at a position,
 * fsync a directory (so created, renamed and deleted names survive a power
 * loss), and list a directory that may not exist yet.
 */
import type { FileHandle } from 'node:fs/promises';
import { open, readdir } from 'node:fs/promises';

/** Writes all of `data` at `position` (looping over short writes). */
export async function writeAll(handle: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await handle.write(data, done, data.length - done, position + done);
    if (bytesWritten <= 0) throw new Error(`short write at ${position + done}`);
    done += bytesWritten;
  }
}

/** fsyncs a directory, making entries created, renamed or removed in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The names in `dir`, or [] when it does not exist. */
export async function listNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Formats a non-negative safe integer as 16 lower-case hex digits. */
export function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}
