/**
 * The `GET /snapshot` body (content type
 * `application/vnd.flynn.logaggregator-snapshot`): every stored line as the
 * RFC 5424 message it came in as, RFC 6587 octet-counted, app by app. The
 * original sent Go `gob`-encoded messages; the syslog framing keeps the same
 * content and decodes with the same strict codec as the syslog input. Pure.
 */
import { FlynnError } from '@flynn-ts/core';
import type { LogEntry } from './log-entry.js';
import { entryFromSyslog, entryToSyslog } from './log-entry.js';
import { encodeFrame, encodeRfc5424, FrameDecoder, parseRfc5424 } from './syslog.js';

export const SNAPSHOT_CONTENT_TYPE = 'application/vnd.flynn.logaggregator-snapshot';

/** Largest frame in a snapshot: a stored message is at most what the syslog input accepted. */
export const SNAPSHOT_MAX_FRAME_BYTES = 1024 * 1024;

export const SNAPSHOT_INVALID = 'FLYNN_LOGAGGREGATOR_SNAPSHOT_INVALID';

export class SnapshotError extends FlynnError {
  constructor(message: string, cause?: unknown) {
    super(SNAPSHOT_INVALID, `logaggregator snapshot: ${message}`, { apiCode: 'validation_error', cause });
    this.name = 'SnapshotError';
  }
}

/** The snapshot as byte chunks of about `chunkBytes` each (lazily: a big snapshot is never in memory at once). */
export function* encodeSnapshot(entries: Iterable<LogEntry>, chunkBytes = 256 * 1024): Generator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let size = 0;
  for (const e of entries) {
    const frame = encodeFrame(encodeRfc5424(entryToSyslog(e)));
    parts.push(frame);
    size += frame.length;
    if (size >= chunkBytes) {
      yield concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size > 0) yield concat(parts, size);
}

/**
 * An incremental snapshot reader: `push(chunk)` returns the entries the chunk
 * completed, `end()` checks that nothing was cut off. Throws SnapshotError on
 * the first bad frame or message (a snapshot is all or nothing).
 */
export class SnapshotDecoder {
  private readonly frames = new FrameDecoder({ maxFrameBytes: SNAPSHOT_MAX_FRAME_BYTES, framing: 'octet-counting' });
  count = 0;

  push(chunk: Uint8Array): LogEntry[] {
    const out: LogEntry[] = [];
    for (const frame of this.frames.push(chunk)) out.push(this.decode(frame));
    if (this.frames.error) throw new SnapshotError(this.frames.error.message, this.frames.error);
    return out;
  }

  end(): void {
    this.frames.end();
    if (this.frames.error) throw new SnapshotError(this.frames.error.message, this.frames.error);
  }

  private decode(frame: Uint8Array): LogEntry {
    try {
      const entry = entryFromSyslog(parseRfc5424(frame));
      this.count++;
      return entry;
    } catch (err) {
      throw new SnapshotError(`message ${this.count + 1}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }
}

function concat(parts: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
