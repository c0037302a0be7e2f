// The host logging pipeline: per-app files, live reads, shipping to log aggregators.
// Re-exported by the package index; the pure codecs are in ./core/index.ts.
export { FileLogManager } from './file-log-manager.js';
export type { FileLogManagerOptions } from './file-log-manager.js';
export { LogShipper } from './shipper.js';
export type { LogShipperOptions, SinkStatus, ShipSource } from './shipper.js';
export { AggregatorConnection, LOG_SINK_CHANNEL } from './aggregator-connection.js';
export type { ConnectionState } from './aggregator-connection.js';
export { httpCursorFetcher, defaultCursorsUrl, LOG_CURSORS_UNAVAILABLE, API_PORT_META } from './cursor-client.js';
export type { CursorFetcher, LogReceiver, HttpCursorFetcherOptions } from './cursor-client.js';
export { tcpDialer, splitAddr, SinkConnectionError, LOG_SINK_CONNECTION } from './tcp-sink.js';
export type { SinkDialer, SinkSocket, TcpDialerOptions } from './tcp-sink.js';
export type { StoredRecord } from './log-feed.js';
export { fileStem, logFilePath } from './log-files.js';
