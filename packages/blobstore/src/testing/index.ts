export { MemoryBlobBackend } from './memory-blob-backend.js';
export { describeBlobBackend, patternBytes, chunked } from './describe-blob-backend.js';
export type { BlobBackendHarness, BlobBackendFactory } from './describe-blob-backend.js';
