import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { OutputChunk } from '../contracts.js';
import { encodeOciCursor } from './core/cursor.js';
import { parseK8sLog } from './core/k8s-log.js';
import { DirWatcher } from './dir-watcher.js';
import type { FollowOptions } from './file-output.js';

const READ = 256 * 1024;
const CHUNK = 64 * 1024;

/**
 * Tails conmon's k8s-file log from byte offset `from`: consecutive records of
 * one stream are merged into chunks of up to 64 KiB, each with the cursor of
 * the record that ends it. Ends once the container has exited (conmon drains
 * and syncs the log before writing the exit file) and the log is read.
 */
export async function* followK8sLog(path: string, from: number, opts: Omit<FollowOptions, 'dir'>): AsyncGenerator<OutputChunk> {
  let pos = from;
  const watcher = new DirWatcher(dirname(path), opts.pollMs);
  let fh: FileHandle | undefined;
  try {
    let exited = false;
    for (;;) {
      fh ??= await openIfExists(path);
      const buf = fh ? await readAt(fh, pos) : Buffer.alloc(0);
      const { records, consumed } = parseK8sLog(buf);
      if (records.length > 0 || consumed > 0) {
        for (const chunk of mergeRecords(records, pos)) yield chunk;
        pos += consumed;
        continue;
      }
      if (exited || opts.signal?.aborted) return;
      if (await opts.isExited()) exited = true;
      else await watcher.next(opts.signal);
    }
  } finally {
    watcher.close();
    await fh?.close().catch(() => {});
  }
}

function* mergeRecords(records: ReturnType<typeof parseK8sLog>['records'], base: number): Generator<OutputChunk> {
  let parts: Uint8Array[] = [];
  let size = 0;
  let stream: 'stdout' | 'stderr' = 'stdout';
  let end = 0;
  let time = 0;
  const flush = (): OutputChunk => {
    const chunk: OutputChunk = { stream, data: Buffer.concat(parts, size), cursor: encodeOciCursor(base + end) };
    if (Number.isFinite(time)) chunk.time = time;
    parts = [];
    size = 0;
    return chunk;
  };
  for (const r of records) {
    if (size > 0 && (r.stream !== stream || size + r.data.length > CHUNK)) yield flush();
    if (size === 0) {
      stream = r.stream;
      time = r.time;
    }
    parts.push(r.data);
    size += r.data.length;
    end = r.end;
  }
  if (size > 0) yield flush();
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function readAt(fh: FileHandle, position: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(READ);
  const { bytesRead } = await fh.read(buf, 0, READ, position);
  return buf.subarray(0, bytesRead);
}
