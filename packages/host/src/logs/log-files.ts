/**
 * The on-disk layout of the host's log files and how records are read back.
 *
 * - One file per app: `<dir>/<stem>.log`, where `<stem>` is the app id with
 *   every byte outside `[A-Za-z0-9_-]` written as `%XX` (a UUID stays as is).
 * - Rotated files: `<stem>.log.1` (newest backup) … `<stem>.log.<n>`.
 * - A record is one octet-counted RFC 6587 frame followed by LF
 *   (`LEN SP SYSLOG-MSG LF`, the original flynn-host's format). Messages never
 *   contain LF (lines are split at LF before they are written), so files can
 *   also be read line by line, backwards for a tail. A line whose MSG-LEN does
 *   not match (a record torn by a crash) is skipped.
 */
import { open, readdir } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { messageSeq } from './core/frame-seq.js';
import { unframe } from './core/rfc6587.js';

/** One record read from a file. `frame` is the octet-counted frame (no LF); `message` a view of its SYSLOG-MSG. */
export interface FileRecord {
  seq: number;
  frame: Uint8Array;
  message: Uint8Array;
}

/** An opened log file, read up to `size` (the size when it was opened). */
export interface OpenLogFile {
  path: string;
  handle: FileHandle;
  size: number;
}

const SAFE = /^[A-Za-z0-9_-]$/;
const CHUNK = 64 * 1024;

/** The file name stem of an app id (reversible, see {@link appIdOfStem}). */
export function fileStem(appId: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(appId)) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && SAFE.test(ch) ? ch : '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

export function appIdOfStem(stem: string): string | undefined {
  try {
    return decodeURIComponent(stem);
  } catch {
    return undefined;
  }
}

/** `<dir>/<stem>.log` or, for `backup` ≥ 1, `<dir>/<stem>.log.<backup>`. */
export function logFilePath(dir: string, appId: string, backup = 0): string {
  const name = `${fileStem(appId)}.log`;
  return join(dir, backup === 0 ? name : `${name}.${backup}`);
}

/** The log files in `dir` by app id, oldest first (highest backup number first, the current file last). */
export async function listLogFiles(dir: string): Promise<Map<string, string[]>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const byApp = new Map<string, { path: string; n: number }[]>();
  for (const name of names) {
    const m = /^([A-Za-z0-9_%-]+)\.log(?:\.([1-9]\d{0,5}))?$/.exec(name);
    const appId = m ? appIdOfStem(m[1]!) : undefined;
    if (!m || appId === undefined) continue;
    const list = byApp.get(appId) ?? [];
    list.push({ path: join(dir, name), n: m[2] === undefined ? 0 : Number(m[2]) });
    byApp.set(appId, list);
  }
  const out = new Map<string, string[]>();
  for (const [appId, list] of byApp) out.set(appId, list.sort((a, b) => b.n - a.n).map((f) => f.path));
  return out;
}

/** Opens files for reading, skipping ones that vanished; the sizes fix what will be read. */
export async function openLogFiles(paths: readonly string[]): Promise<OpenLogFile[]> {
  const out: OpenLogFile[] = [];
  for (const path of paths) {
    try {
      const handle = await open(path, 'r');
      const { size } = await handle.stat();
      out.push({ path, handle, size });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return out;
}

export async function closeLogFiles(files: readonly OpenLogFile[]): Promise<void> {
  await Promise.all(files.map((f) => f.handle.close().catch(() => undefined)));
}

/** A line of a log file as a record, or undefined when it is not a valid one. */
export function recordOfLine(line: Uint8Array): FileRecord | undefined {
  let message: Uint8Array;
  try {
    message = unframe(line, Number.MAX_SAFE_INTEGER);
  } catch {
    return undefined;
  }
  const seq = messageSeq(message);
  return seq === undefined ? undefined : { seq, frame: line, message };
}

/** The records of `file` in file order, a batch per chunk read. */
export async function* readRecords(file: OpenLogFile): AsyncGenerator<FileRecord[]> {
  let pos = 0;
  let carry = new Uint8Array(0);
  while (pos < file.size) {
    const want = Math.min(CHUNK, file.size - pos);
    const chunk = new Uint8Array(carry.length + want);
    chunk.set(carry, 0);
    const { bytesRead } = await file.handle.read(chunk, carry.length, want, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    const data = chunk.subarray(0, carry.length + bytesRead);
    const batch: FileRecord[] = [];
    let start = 0;
    for (let lf = data.indexOf(0x0a); lf >= 0; lf = data.indexOf(0x0a, start)) {
      const rec = recordOfLine(data.subarray(start, lf));
      if (rec) batch.push(rec);
      start = lf + 1;
    }
    carry = data.slice(start);
    if (batch.length > 0) yield batch;
  }
}

/** The records of `file` from the last to the first, a batch (newest first) per chunk read. */
export async function* readRecordsBackward(file: OpenLogFile): AsyncGenerator<FileRecord[]> {
  let pos = file.size;
  let carry = new Uint8Array(0);
  while (pos > 0) {
    const want = Math.min(CHUNK, pos);
    pos -= want;
    const data = new Uint8Array(want + carry.length);
    const { bytesRead } = await file.handle.read(data, 0, want, pos);
    if (bytesRead < want) throw new Error(`${file.path}: short read`);
    data.set(carry, want);
    const batch: FileRecord[] = [];
    let end = data.length;
    // Complete lines end at an LF; the bytes before the first LF continue in the previous chunk.
    for (let lf = data.lastIndexOf(0x0a, end - 1); lf >= 0; lf = data.lastIndexOf(0x0a, end - 1)) {
      if (end > lf + 1) pushRecord(batch, data.subarray(lf + 1, end));
      end = lf;
      if (lf === 0) break;
    }
    if (pos === 0 && end > 0) pushRecord(batch, data.subarray(0, end));
    carry = data.slice(0, end);
    if (batch.length > 0) yield batch;
  }
}

function pushRecord(batch: FileRecord[], line: Uint8Array): void {
  const rec = recordOfLine(line);
  if (rec) batch.push(rec);
}

/** The seq of the last valid record of a file, or undefined when it has none. */
export async function lastSeqOf(file: OpenLogFile): Promise<number | undefined> {
  for await (const batch of readRecordsBackward(file)) return batch[0]!.seq;
  return undefined;
}
