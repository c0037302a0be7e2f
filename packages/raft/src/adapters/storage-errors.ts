/**
 * Typed errors of the raft storage adapters. Pure (no node:* import), so the
 * in-memory storage in ./testing can share them.
 *
 * - `FLYNN_RAFT_STORAGE_CORRUPT`: the data on disk cannot be trusted (a bad
 *   record before the tail, a missing segment, a missing snapshot). Raised by
 *   `open`/`load`; an operator must intervene. `file` and `offset` locate it.
 * - `FLYNN_RAFT_STORAGE_CLOSED`: a method was called after `close()`.
 * - `FLYNN_RAFT_STORAGE_FAILED`: an earlier write or fsync failed; the storage is
 *   fail-stopped (a partial write may sit at the tail) and must be reopened.
 */
import { FlynnError } from '@flynn-ts/core';

export class StorageCorruptError extends FlynnError {
  readonly file: string;
  readonly offset: number;

  constructor(file: string, offset: number, reason: string, cause?: unknown) {
    super('FLYNN_RAFT_STORAGE_CORRUPT', `raft storage corrupt: ${reason} (${file} at offset ${offset})`, {
      detail: { file, offset, reason },
      cause,
    });
    this.name = 'StorageCorruptError';
    this.file = file;
    this.offset = offset;
  }
}

export function storageClosedError(): FlynnError {
  return new FlynnError('FLYNN_RAFT_STORAGE_CLOSED', 'raft storage is closed');
}

export function storageFailedError(cause: unknown): FlynnError {
  return new FlynnError('FLYNN_RAFT_STORAGE_FAILED', `raft storage failed earlier and must be reopened: ${String(cause)}`, { cause });
}
