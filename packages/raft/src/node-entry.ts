// Node-only adapters: the file write-ahead log and the HTTP transport.
export { FileStorage, DEFAULT_SEGMENT_SIZE } from './adapters/file-storage.js';
export type { FileStorageOptions } from './adapters/file-storage.js';
export { StorageCorruptError } from './adapters/storage-errors.js';
export { HttpTransport } from './adapters/http-transport.js';
export type { HttpTransportOptions, ListenAddress } from './adapters/http-transport.js';
export { parsePeerAddress } from './adapters/http-transport-address.js';
export type { PeerAddress } from './adapters/http-transport-address.js';
export type { WalStats } from './adapters/wal.js';
