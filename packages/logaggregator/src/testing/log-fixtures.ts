/**
 * Builders for tests of code that reads or feeds a log aggregator: a
 * LogEntry with defaults, and the RFC 6587 frame a host would send for it.
 */
import type { LogEntry } from '../core/log-entry.js';
import { entryToSyslog, streamOfMsgId } from '../core/log-entry.js';
import { encodeFrame, encodeRfc5424 } from '../core/syslog.js';

const BASE_TIME = Date.UTC(2024, 4, 6, 7, 8, 9);

/** A LogEntry; `seq` defaults to 1, the time to `BASE_TIME + seq` ms, the stream to stdout. */
export function logEntry(fields: Partial<LogEntry> = {}): LogEntry {
  const seq = fields.seq ?? 1;
  const time = fields.time ?? BASE_TIME + seq;
  const msgId = fields.msgId === undefined ? 'ID1' : fields.msgId;
  return {
    hostId: 'host1',
    appId: 'app1',
    seq,
    timestamp: new Date(time).toISOString(),
    time,
    jobId: 'host1-job1',
    processType: 'web',
    msgId,
    stream: streamOfMsgId(msgId),
    msg: `line ${seq}`,
    facility: 0,
    severity: 0,
    ...fields,
  };
}

/** The octet-counted RFC 5424 frame of an entry, as a host sends it. */
export function syslogFrame(entry: LogEntry): Uint8Array {
  return encodeFrame(encodeRfc5424(entryToSyslog(entry)));
}
