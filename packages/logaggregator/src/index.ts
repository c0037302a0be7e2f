// Pure core.
export { RingBuffer } from './core/ring-buffer.js';
export {
  STREAM_TYPES,
  LOG_BAD_MESSAGE,
  LogMessageError,
  streamOfMsgId,
  splitProcId,
  seqOfMessage,
  entryFromSyslog,
  timeOf,
  entryToSyslog,
  toLogMessage,
} from './core/log-entry.js';
export type { StreamType, LogEntry, LogMessage } from './core/log-entry.js';
export { MAX_LINES, matchesFilter, filterPredicate, parseLogQuery, encodeLogQuery } from './core/log-query.js';
export type { LogFilter, LogQuery } from './core/log-query.js';
export { LogStore, DEFAULT_BUFFER_LINES } from './core/log-store.js';
export type { HostCursor, CursorMap, IngestOutcome, LogListener, ReadOptions, LogStoreStats } from './core/log-store.js';
export { SNAPSHOT_CONTENT_TYPE, SNAPSHOT_INVALID, SnapshotError, SnapshotDecoder, encodeSnapshot } from './core/snapshot-codec.js';

// Server.
export { LogAggregator, startLogAggregator, DEFAULT_SERVICE_NAME } from './log-aggregator.js';
export type { LogAggregatorOptions, IngestStats } from './log-aggregator.js';
export { createLogAggregatorApi } from './log-api.js';
export type { LogApiOptions } from './log-api.js';
export { logResponse, encodeLogLine, NDJSON_CONTENT_TYPE, SSE_CONTENT_TYPE } from './log-response.js';
export type { LogFormat, LogResponseOptions } from './log-response.js';
export { SyslogServer, SYSLOG_INPUT_CHANNEL } from './syslog-server.js';
export type { SyslogServerOptions, SyslogServerStats } from './syslog-server.js';
export { fetchPeerSnapshot, apiUrlOf, API_PORT_META } from './peer-refill.js';
export type { RefillOptions, RefillResult } from './peer-refill.js';

// Client.
export { LogAggregatorClient, LOG_BAD_RESPONSE } from './client/log-aggregator-client.js';
export type { LogAggregatorClientOptions, ReadLogOptions } from './client/log-aggregator-client.js';
