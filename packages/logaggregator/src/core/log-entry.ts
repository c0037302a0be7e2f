/**
 * A stored log line and its two outside shapes: the RFC 5424 message a host
 * sent (reference §2.9: HOSTNAME = host id, APP-NAME = app id, PROCID =
 * `<type>.<job>` or the job id, MSGID `ID1`/`ID2`/`ID3`, `[flynn seq="n"]`)
 * and the JSON line the API answers with (reference §10, the original's
 * `client.Message`). Pure.
 */
import { ValidationError } from '@flynn-ts/core';
import type { SyslogMessage } from './syslog.js';
import { timestampToMillis } from './syslog.js';

export type StreamType = 'stdout' | 'stderr' | 'init' | 'unknown';

export const STREAM_TYPES: readonly StreamType[] = ['stdout', 'stderr', 'init', 'unknown'];

const MSGID_STREAMS: Readonly<Record<string, StreamType>> = { ID1: 'stdout', ID2: 'stderr', ID3: 'init' };
const STREAM_MSGIDS: Readonly<Record<StreamType, string | null>> = { stdout: 'ID1', stderr: 'ID2', init: 'ID3', unknown: null };

export interface LogEntry {
  /** HOSTNAME: the sending host; its cursors are keyed by it. */
  hostId: string;
  /** APP-NAME: the buffer the entry is in. */
  appId: string;
  /** The host sequence number from `[flynn seq="n"]`. */
  seq: number;
  /** TIMESTAMP as the host sent it. */
  timestamp: string;
  /** TIMESTAMP in ms since the epoch: buffers are ordered by it. */
  time: number;
  jobId: string;
  /** '' when the PROCID has no type. */
  processType: string;
  /** The MSGID as sent (kept so a snapshot re-encodes the message as it came). */
  msgId: string | null;
  stream: StreamType;
  msg: string;
  facility: number;
  severity: number;
}

/** One line of `GET /log/:app_id` (empty strings are left out, as the original's `omitempty`). */
export interface LogMessage {
  host_id?: string;
  job_id?: string;
  msg?: string;
  process_type?: string;
  source: 'app';
  stream: StreamType;
  timestamp: string;
}

export const LOG_BAD_MESSAGE = 'FLYNN_LOGAGGREGATOR_BAD_MESSAGE';

/** A well-formed RFC 5424 message that is not a Flynn log line (no host, app, timestamp or seq). */
export class LogMessageError extends ValidationError {
  constructor(field: string, message: string) {
    super(field, `logaggregator: ${message}`, { code: LOG_BAD_MESSAGE });
    this.name = 'LogMessageError';
  }
}

/** The stream of a MSGID (`unknown` for anything but ID1-ID3). */
export function streamOfMsgId(msgId: string | null): StreamType {
  return (msgId !== null && MSGID_STREAMS[msgId]) || 'unknown';
}

/** `<type>.<job>` splits at the first dot; a PROCID without one is the job id alone (as the original). */
export function splitProcId(procId: string | null): { processType: string; jobId: string } {
  if (procId === null) return { processType: '', jobId: '' };
  const dot = procId.indexOf('.');
  return dot < 0 ? { processType: '', jobId: procId } : { processType: procId.slice(0, dot), jobId: procId.slice(dot + 1) };
}

/** The `[flynn seq="n"]` value, or undefined when absent or not a safe non-negative integer. */
export function seqOfMessage(m: Pick<SyslogMessage, 'structuredData'>): number | undefined {
  const el = m.structuredData.find((e) => e.id === 'flynn');
  const v = el?.params.find((p) => p.name === 'seq')?.value;
  if (v === undefined || !/^\d{1,16}$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * ms since the epoch of a valid RFC 5424 TIMESTAMP: digits read in place for
 * the form hosts send (`YYYY-MM-DDTHH:MM:SS.mmmZ`, years 1000-9999), the
 * general conversion otherwise. Same result as `timestampToMillis`.
 */
export function timeOf(ts: string): number {
  if (ts.length === 24 && ts.charCodeAt(23) === 0x5a && ts.charCodeAt(19) === 0x2e && ts.charCodeAt(0) !== 0x30) {
    const d = (at: number, len: number) => {
      let n = 0;
      for (let i = at; i < at + len; i++) {
        const c = ts.charCodeAt(i) - 0x30;
        if (c < 0 || c > 9) return NaN;
        n = n * 10 + c;
      }
      return n;
    };
    const t = Date.UTC(d(0, 4), d(5, 2) - 1, d(8, 2), d(11, 2), d(14, 2), d(17, 2), d(20, 3));
    if (!Number.isNaN(t)) return t;
  }
  return timestampToMillis(ts);
}

/** The entry for a parsed message. Throws LogMessageError when it lacks what the aggregator keys on. */
export function entryFromSyslog(m: SyslogMessage): LogEntry {
  if (m.hostname === null) throw new LogMessageError('hostname', 'message without HOSTNAME (the host id)');
  if (m.appName === null) throw new LogMessageError('appName', 'message without APP-NAME (the app id)');
  if (m.timestamp === null) throw new LogMessageError('timestamp', 'message without TIMESTAMP');
  const seq = seqOfMessage(m);
  if (seq === undefined) throw new LogMessageError('structuredData', 'message without [flynn seq="n"]');
  const { processType, jobId } = splitProcId(m.procId);
  return {
    hostId: m.hostname,
    appId: m.appName,
    seq,
    timestamp: m.timestamp,
    time: timeOf(m.timestamp),
    jobId,
    processType,
    msgId: m.msgId,
    stream: streamOfMsgId(m.msgId),
    msg: m.msg ?? '',
    facility: m.facility,
    severity: m.severity,
  };
}

/** The message an entry came from (other SD elements than `flynn` are not kept). */
export function entryToSyslog(e: LogEntry): SyslogMessage {
  const procId = e.processType === '' ? e.jobId : `${e.processType}.${e.jobId}`;
  return {
    facility: e.facility,
    severity: e.severity,
    timestamp: e.timestamp,
    hostname: e.hostId,
    appName: e.appId,
    procId: procId === '' ? null : procId,
    msgId: e.msgId ?? STREAM_MSGIDS[e.stream],
    structuredData: [{ id: 'flynn', params: [{ name: 'seq', value: String(e.seq) }] }],
    msg: e.msg,
  };
}

/** The API line for an entry. */
export function toLogMessage(e: LogEntry): LogMessage {
  const out: LogMessage = { source: 'app', stream: e.stream, timestamp: e.timestamp };
  // Key order as the original's struct: host_id, job_id, msg, process_type, source, stream, timestamp.
  return {
    ...(e.hostId !== '' ? { host_id: e.hostId } : {}),
    ...(e.jobId !== '' ? { job_id: e.jobId } : {}),
    ...(e.msg !== '' ? { msg: e.msg } : {}),
    ...(e.processType !== '' ? { process_type: e.processType } : {}),
    ...out,
  };
}
