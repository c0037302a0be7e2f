// The pure syslog codecs and the host log message mapping (no I/O, no node:*),
// shared with the log aggregator. Meant as the `@flynn-ts/host/syslog` subpath.
export { formatRfc5424, encodeRfc5424, parseRfc5424, RFC5424_LIMITS } from './rfc5424.js';
export type { SyslogMessage, SdElement, SdParam } from './rfc5424.js';
export { encodeFrame, unframe, decodeFrames, FrameDecoder, DEFAULT_MAX_FRAME_BYTES } from './rfc6587.js';
export type { FrameDecoderOptions } from './rfc6587.js';
export { isValidTimestamp, timestampToMillis, millisToTimestamp } from './syslog-timestamp.js';
export { SyslogParseError, SyslogFormatError, SyslogFrameError, SYSLOG_PARSE, SYSLOG_FORMAT, SYSLOG_FRAME } from './syslog-errors.js';
export type { SyslogField } from './syslog-errors.js';
export {
  MSGID_BY_STREAM,
  streamOfMsgId,
  FLYNN_PRIORITIES,
  STANDARD_PRIORITIES,
  CURSOR_SD_ID,
  CURSOR_SD_PARAM,
  DEFAULT_MAX_LINE_BYTES,
  procIdOf,
  parseProcId,
  headerSafe,
  splitLogMessage,
  toSyslogMessage,
  fromSyslogMessage,
  seqOf,
  nextSeq,
} from './log-message.js';
export type { SyslogPriority, ToSyslogOptions, ParsedLogMessage } from './log-message.js';
export { messageSeq } from './frame-seq.js';
export { parseCursors, advanceCursor, CursorsError, CURSORS_INVALID } from './host-cursor.js';
export type { HostCursor, CursorMap } from './host-cursor.js';
