/**
 * Where blobs live: the contract every backend (directory, PostgreSQL, the
 * in-memory fake in ./testing) implements and `describeBlobBackend`
 * (./testing) checks. Paths are canonical blob paths (core/blob-path.ts),
 * already checked by the caller.
 *
 * Consistency, for every backend:
 * - `put` is atomic: until it resolves readers see the previous blob (or
 *   none); then the whole new one. If `body` throws, `signal` aborts or the
 *   backend fails, nothing changes (no partial blob, no leftovers).
 * - Concurrent `put`s of one path: the one that completes last wins; a
 *   reader never sees bytes of two versions (a torn blob).
 * - A `BlobReader` reads the version it opened, whatever is written or
 *   deleted meanwhile, until it is closed.
 * Any method may run concurrently with any other. Errors are FlynnErrors
 * (`FLYNN_BLOBSTORE_*`), or the store's own for I/O failures.
 */
export interface BlobInfo {
  path: string;
  size: number;
  /** base64 SHA-512 of the content, unquoted (the HTTP ETag is it in quotes, as the original). */
  etag: string;
  contentType: string;
  /** Time of the last write, ms since the epoch. */
  modifiedAt: number;
}

export interface PutOptions {
  contentType: string;
  /**
   * Append: the bytes go after the first `offset` bytes of the existing blob,
   * which must be exactly `offset` long (`Blobstore-Offset`, resumable
   * uploads). 0 or absent: replace.
   */
  offset?: number;
  signal?: AbortSignal;
}

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

/** An open blob. Call `close()` when done (reading to the end does not close it). */
export interface BlobReader {
  readonly info: BlobInfo;
  /** The bytes of `range` (default all), in order; chunks are the caller's. Call once. */
  read(range?: ByteRange): AsyncIterable<Uint8Array>;
  /** Frees what the reader holds (a file descriptor, a database transaction). Idempotent. */
  close(): Promise<void>;
}

export interface BlobBackend {
  /** A short name for logs and status (`directory`, `postgres`, `memory`). */
  readonly kind: string;
  /** Stores the blob (see the contract above). Throws FLYNN_BLOBSTORE_OFFSET_MISMATCH for a bad `offset`. */
  put(path: string, body: AsyncIterable<Uint8Array>, options: PutOptions): Promise<BlobInfo>;
  /** The blob's metadata, or undefined. */
  stat(path: string): Promise<BlobInfo | undefined>;
  /** Opens the blob for reading, or undefined when there is none. */
  open(path: string): Promise<BlobReader | undefined>;
  /** Copies `from` to `to` (atomically, as a put); undefined when `from` does not exist. */
  copy(to: string, from: string): Promise<BlobInfo | undefined>;
  /** Deletes `path` and every blob under `path/` (as the original); resolves with how many were deleted. */
  delete(path: string): Promise<number>;
  /** Every blob path starting with `prefix` (plain string prefix), sorted by code point. */
  list(prefix: string): Promise<string[]>;
  /** Throws when the backend cannot serve (for `/.well-known/status`). */
  check(): Promise<void>;
  close(): Promise<void>;
}
