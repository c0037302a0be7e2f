/**
 * Appends records to one app's log file and rotates it (lumberjack-like, as
 * the original): when the next record would take the file past
 * `maxFileBytes`, `<stem>.log.<n-1>` → `.log.<n>` … `.log` → `.log.1`, the
 * oldest beyond `backups` is overwritten, and a new `.log` is started. A
 * record is never split across files; a record bigger than `maxFileBytes`
 * gets a file of its own.
 *
 * Not safe for concurrent use: the FileLogManager calls it from its serial queue.
 */
import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { logFilePath } from './log-files.js';

export interface AppLogWriterOptions {
  maxFileBytes: number;
  /** Rotated files to keep (0 = none: the full file is deleted). */
  backups: number;
}

const LF = new Uint8Array([0x0a]);

export class AppLogWriter {
  private handle: FileHandle | undefined;
  private size = 0;

  constructor(
    readonly dir: string,
    readonly appId: string,
    private readonly options: AppLogWriterOptions,
  ) {}

  get path(): string {
    return logFilePath(this.dir, this.appId);
  }

  /** Appends `frames`, each followed by LF, rotating as needed. */
  async append(frames: readonly Uint8Array[]): Promise<void> {
    await this.ensureOpen();
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    for (const frame of frames) {
      const bytes = frame.length + 1;
      if (this.size + batchBytes > 0 && this.size + batchBytes + bytes > this.options.maxFileBytes) {
        await this.writeAll(batch, batchBytes);
        batch = [];
        batchBytes = 0;
        await this.rotate();
      }
      batch.push(frame, LF);
      batchBytes += bytes;
    }
    await this.writeAll(batch, batchBytes);
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.close();
  }

  private async ensureOpen(): Promise<void> {
    if (this.handle) return;
    const handle = await open(this.path, 'a+');
    const { size } = await handle.stat();
    this.handle = handle;
    this.size = size;
    if (size > 0) {
      // A record torn by a crash: end it so the next one starts on its own line.
      const last = new Uint8Array(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await this.writeAll([LF], 1);
    }
  }

  private async writeAll(parts: Uint8Array[], bytes: number): Promise<void> {
    if (bytes === 0) return;
    const buf = Buffer.concat(parts, bytes);
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await this.handle!.write(buf, off, buf.length - off);
      off += bytesWritten;
    }
    this.size += bytes;
  }

  private async rotate(): Promise<void> {
    await this.close();
    const { backups } = this.options;
    if (backups <= 0) {
      await rm(this.path, { force: true });
    } else {
      for (let n = backups; n >= 1; n--) {
        try {
          await rename(logFilePath(this.dir, this.appId, n - 1), logFilePath(this.dir, this.appId, n));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
    }
    await this.ensureOpen();
  }
}
