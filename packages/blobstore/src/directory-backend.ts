/**
 * Blobs as files in a local directory (single host). Layout under `dir`:
 *
 *   blobs/  one file per blob: `/a/b/c.tgz` → `blobs/a.d/b.d/c.tgz.f`
 *           (segments get `.d` as directories and `.f` as the blob file, so
 *           `/a` and `/a/b` can both be blobs, as in the original)
 *   tmp/    uploads in progress (`<uuid>.part`), removed at start-up
 *
 * A blob file is a 4 KiB header with the metadata (size, SHA-512, content
 * type, mtime; core/blob-file-header.ts) followed by the bytes. A write goes
 * to a temp file, is fsynced, then renamed over the blob (and the directory
 * fsynced): readers see the old file or the whole new one, a failed upload
 * leaves only a temp file that is removed, and of concurrent writers the last
 * rename wins. A reader keeps the file it opened (its descriptor) however the
 * path changes meanwhile. One process per directory.
 */
import { randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { systemClock } from '@flynn-ts/core';
import type { Clock } from '@flynn-ts/core';
import type { BlobBackend, BlobInfo, BlobReader, ByteRange, PutOptions } from './blob-backend.js';
import { BlobHasher, hashing } from './blob-hash.js';
import { BLOB_HEADER_BYTES, BlobFileError, decodeBlobHeader, encodeBlobHeader } from './core/blob-file-header.js';
import type { BlobFileHeader } from './core/blob-file-header.js';
import { compareCodePoints, pathSegments } from './core/blob-path.js';
import { OffsetMismatchError } from './errors.js';

export interface DirectoryBackendOptions {
  /** The directory (created if missing). */
  dir: string;
  clock?: Clock;
  /** fsync files and directories on every write. Default true. */
  fsync?: boolean;
  /** Size of the chunks reads yield and writes are gathered into. Default 1 MiB. */
  chunkBytes?: number;
}

const isMissing = (err: unknown) => ['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '');

export class DirectoryBackend implements BlobBackend {
  readonly kind = 'directory';
  private readonly blobsDir: string;
  private readonly tmpDir: string;
  private readonly clock: Clock;
  private readonly fsync: boolean;
  private readonly chunkBytes: number;

  /** Creates the layout and removes uploads a previous run left behind. */
  static async open(options: DirectoryBackendOptions): Promise<DirectoryBackend> {
    const b = new DirectoryBackend(options);
    await mkdir(b.blobsDir, { recursive: true });
    await rm(b.tmpDir, { recursive: true, force: true });
    await mkdir(b.tmpDir, { recursive: true });
    return b;
  }

  private constructor(options: DirectoryBackendOptions) {
    this.blobsDir = join(options.dir, 'blobs');
    this.tmpDir = join(options.dir, 'tmp');
    this.clock = options.clock ?? systemClock;
    this.fsync = options.fsync ?? true;
    this.chunkBytes = options.chunkBytes ?? 1024 * 1024;
  }

  async put(path: string, body: AsyncIterable<Uint8Array>, options: PutOptions): Promise<BlobInfo> {
    const offset = options.offset ?? 0;
    return this.writeTemp(path, async (fh, hasher) => {
      const out = new GatherWriter(fh, BLOB_HEADER_BYTES, this.chunkBytes);
      if (offset > 0) {
        const base = await this.openFile(path);
        if (base?.header.size !== offset) {
          await base?.fh.close();
          throw new OffsetMismatchError(path, offset, base?.header.size);
        }
        try {
          for await (const chunk of readRange(base.fh, { start: 0, end: offset - 1 }, this.chunkBytes)) {
            hasher.update(chunk);
            await out.write(chunk);
          }
        } finally {
          await base.fh.close();
        }
      }
      for await (const chunk of hashing(body, hasher, options.signal)) await out.write(chunk);
      await out.flush();
      return { size: hasher.size, sha512: hasher.digest(), type: options.contentType, mtime: this.clock.now() };
    });
  }

  async stat(path: string): Promise<BlobInfo | undefined> {
    const f = await this.openFile(path);
    if (!f) return undefined;
    await f.fh.close();
    return infoOf(path, f.header);
  }

  async open(path: string): Promise<BlobReader | undefined> {
    const f = await this.openFile(path);
    if (!f) return undefined;
    let closed = false;
    const chunkBytes = this.chunkBytes;
    return {
      info: infoOf(path, f.header),
      read: (range?: ByteRange) => (f.header.size === 0 ? empty() : readRange(f.fh, range ?? { start: 0, end: f.header.size - 1 }, chunkBytes)),
      close: async () => {
        if (closed) return;
        closed = true;
        await f.fh.close();
      },
    };
  }

  async copy(to: string, from: string): Promise<BlobInfo | undefined> {
    const header = await this.stat(from);
    if (!header) return undefined;
    try {
      return await this.writeTemp(to, async (fh, _hasher, tmp) => {
        // copyFile reads one inode: header and bytes of the same version, even if `from` is replaced meanwhile.
        await copyFile(this.filePath(from), tmp, fsConstants.COPYFILE_FICLONE);
        const copied = decodeBlobHeader(await readHeaderBytes(fh));
        return { ...copied, mtime: this.clock.now() };
      });
    } catch (err) {
      if (isMissing(err)) return undefined; // deleted between stat and copy
      throw err;
    }
  }

  async delete(path: string): Promise<number> {
    let n = 0;
    try {
      await unlink(this.filePath(path));
      n++;
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    const dir = this.dirPath(path);
    const under = await this.walk(dir, path).catch((err: unknown) => (isMissing(err) ? [] : Promise.reject(err)));
    if (under.length > 0) await rm(dir, { recursive: true, force: true });
    n += under.length;
    await this.pruneEmptyParents(path);
    return n;
  }

  async list(prefix: string): Promise<string[]> {
    const segs = pathSegments(prefix);
    const partial = segs.pop()!;
    if (segs.some((s) => s === '' || s === '.' || s === '..')) return [];
    const dirPath = segs.length === 0 ? '' : `/${segs.join('/')}`;
    const dir = join(this.blobsDir, ...segs.map((s) => `${s}.d`));
    const out: string[] = [];
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    for (const name of entries) {
      const seg = name.slice(0, -2);
      if (!seg.startsWith(partial)) continue;
      if (name.endsWith('.f')) out.push(`${dirPath}/${seg}`);
      else if (name.endsWith('.d')) out.push(...(await this.walk(join(dir, name), `${dirPath}/${seg}`).catch(() => [])));
    }
    return out.sort(compareCodePoints);
  }

  async check(): Promise<void> {
    const fh = await open(this.blobsDir, 'r');
    await fh.close();
  }

  async close(): Promise<void> {}

  private filePath(path: string): string {
    const segs = pathSegments(path);
    const last = segs.pop()!;
    return join(this.blobsDir, ...segs.map((s) => `${s}.d`), `${last}.f`);
  }

  private dirPath(path: string): string {
    return join(this.blobsDir, ...pathSegments(path).map((s) => `${s}.d`));
  }

  /**
   * Writes a blob through a temp file: `fill` writes the bytes after the
   * header and returns the metadata; then header, fsync, rename into place.
   * On any failure the temp file is removed and nothing else changes.
   */
  private async writeTemp(path: string, fill: (fh: FileHandle, hasher: BlobHasher, tmp: string) => Promise<BlobFileHeader>): Promise<BlobInfo> {
    const tmp = join(this.tmpDir, `${randomUUID()}.part`);
    let fh: FileHandle | undefined = await open(tmp, 'wx+', 0o644);
    try {
      const header = await fill(fh, new BlobHasher(), tmp);
      await writeAll(fh, encodeBlobHeader(header), 0);
      if (this.fsync) await fh.sync();
      await fh.close();
      fh = undefined;
      await this.place(tmp, this.filePath(path));
      return infoOf(path, header);
    } catch (err) {
      await fh?.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  /** Renames into place, creating parent directories (again, if a concurrent delete pruned them). */
  private async place(tmp: string, target: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await mkdir(dirname(target), { recursive: true });
      try {
        await rename(tmp, target);
        break;
      } catch (err) {
        if (!isMissing(err) || attempt >= 5) throw err;
      }
    }
    if (this.fsync) {
      const dir = await open(dirname(target), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    }
  }

  private async openFile(path: string): Promise<{ fh: FileHandle; header: BlobFileHeader } | undefined> {
    let fh: FileHandle;
    try {
      fh = await open(this.filePath(path), 'r');
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    try {
      const header = decodeBlobHeader(await readHeaderBytes(fh));
      const { size } = await fh.stat();
      if (size !== BLOB_HEADER_BYTES + header.size) throw new BlobFileError(`${path}: file is ${size} bytes, its header says ${header.size} + ${BLOB_HEADER_BYTES}`);
      return { fh, header };
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Every blob path under directory `dir` (which is `path`'s `.d` directory). */
  private async walk(dir: string, path: string): Promise<string[]> {
    const out: string[] = [];
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const seg = e.name.slice(0, -2);
      if (e.isFile() && e.name.endsWith('.f')) out.push(`${path}/${seg}`);
      else if (e.isDirectory() && e.name.endsWith('.d')) out.push(...(await this.walk(join(dir, e.name), `${path}/${seg}`)));
    }
    return out;
  }

  /** Removes the now-empty `.d` directories above a deleted path (best effort). */
  private async pruneEmptyParents(path: string): Promise<void> {
    const segs = pathSegments(path);
    for (let n = segs.length - 1; n > 0; n--) {
      try {
        await rmdir(join(this.blobsDir, ...segs.slice(0, n).map((s) => `${s}.d`)));
      } catch {
        return; // not empty (or gone): stop
      }
    }
  }
}

function infoOf(path: string, h: BlobFileHeader): BlobInfo {
  return { path, size: h.size, etag: h.sha512, contentType: h.type, modifiedAt: h.mtime };
}

async function readHeaderBytes(fh: FileHandle): Promise<Uint8Array> {
  const buf = new Uint8Array(BLOB_HEADER_BYTES);
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === buf.length ? buf : buf.subarray(0, got);
}

async function writeAll(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fh.write(data, done, data.length - done, position + done);
    done += bytesWritten;
  }
}

/** The bytes [start, end] of the blob in `fh`, as fresh chunks of at most `chunkBytes`. */
async function* readRange(fh: FileHandle, range: ByteRange, chunkBytes: number): AsyncGenerator<Uint8Array> {
  let pos = BLOB_HEADER_BYTES + range.start;
  const last = BLOB_HEADER_BYTES + range.end;
  while (pos <= last) {
    const buf = new Uint8Array(Math.min(chunkBytes, last - pos + 1));
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) throw new BlobFileError('blob file ended early');
    pos += bytesRead;
    yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
  }
}

async function* empty(): AsyncGenerator<Uint8Array> {}

/** Gathers small chunks into writes of about `chunkBytes` at increasing positions. */
class GatherWriter {
  private parts: Uint8Array[] = [];
  private size = 0;

  constructor(
    private readonly fh: FileHandle,
    private position: number,
    private readonly chunkBytes: number,
  ) {}

  async write(chunk: Uint8Array): Promise<void> {
    this.parts.push(chunk);
    this.size += chunk.length;
    if (this.size >= this.chunkBytes) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const data = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.size);
    this.parts = [];
    const at = this.position;
    this.position += this.size;
    this.size = 0;
    await writeAll(this.fh, data, at);
  }
}
