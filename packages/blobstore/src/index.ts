// Pure core.
export {
  checkBlobPath,
  decodeBlobPath,
  encodeBlobPath,
  pathSegments,
  checkListDir,
  checkListPrefix,
  compareCodePoints,
  BlobPathError,
  BLOBSTORE_INVALID_PATH,
  MAX_PATH_BYTES,
  MAX_SEGMENT_BYTES,
} from './core/blob-path.js';
export { parseRange, contentRange } from './core/byte-range.js';
export type { RangeResult } from './core/byte-range.js';
export { isNotModified, rangeAllowed, parseEtagList, quoteEtag, httpDate } from './core/conditional.js';
export type { ConditionalHeaders, ConditionalInfo } from './core/conditional.js';
export { listChildren } from './core/dir-listing.js';
export { encodeBlobHeader, decodeBlobHeader, BlobFileError, BLOB_HEADER_BYTES, BLOBSTORE_CORRUPT } from './core/blob-file-header.js';
export type { BlobFileHeader } from './core/blob-file-header.js';

// Backends.
export type { BlobBackend, BlobInfo, BlobReader, ByteRange, PutOptions } from './blob-backend.js';
export { DirectoryBackend } from './directory-backend.js';
export type { DirectoryBackendOptions } from './directory-backend.js';
export { PostgresBackend, BLOBSTORE_UNAVAILABLE } from './pg/postgres-backend.js';
export type { PostgresBackendOptions } from './pg/postgres-backend.js';
export { migrateBlobstore, BLOB_MIGRATIONS, BLOB_MIGRATIONS_TABLE } from './pg/migrate.js';
export type { BlobMigration } from './pg/migrate.js';
export { BlobHasher, sha512Base64 } from './blob-hash.js';
export {
  BlobNotFoundError,
  OffsetMismatchError,
  InvalidRequestError,
  RangeNotSatisfiableError,
  BlobTooLargeError,
  BLOBSTORE_NOT_FOUND,
  BLOBSTORE_OFFSET_MISMATCH,
  BLOBSTORE_INVALID_REQUEST,
  BLOBSTORE_RANGE,
  BLOBSTORE_TOO_LARGE,
} from './errors.js';

// HTTP API and client.
export { createBlobstoreApi, DEFAULT_CONTENT_TYPE } from './blob-api.js';
export type { BlobstoreApiOptions } from './blob-api.js';
export { BlobstoreClient } from './client/blobstore-client.js';
export type { BlobstoreClientOptions, BlobBody, ClientPutOptions, BlobHead, GetOptions, BlobDownload } from './client/blobstore-client.js';
