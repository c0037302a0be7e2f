/**
 * How a job's output line becomes an RFC 5424 message and back (reference
 * §2.9, as the original's host/logmux): pure mapping, splitting and the
 * per-host sequence number that serves as the replay cursor.
 *
 * - MSGID: stdout `ID1`, stderr `ID2`, init (containerinit / host notes) `ID3`.
 * - HOSTNAME: the host id. APP-NAME: the app id (the job manager passes
 *   `metadata['flynn-controller.app']`, else the job id).
 * - PROCID: `<processType>.<jobID>`, or the job id alone without a type.
 * - PRI: the original never set facility or severity, so every message it sent
 *   was `<0>` (kern.emerg); {@link FLYNN_PRIORITIES} keeps that for wire
 *   compatibility, {@link STANDARD_PRIORITIES} is the conventional choice
 *   (user.info / user.err / daemon.info) for external syslog servers.
 * - STRUCTURED-DATA: `[flynn seq="<n>"]`, the host sequence number (the
 *   original's format: logaggregator/utils.ParseHostCursor reads it).
 * - TIMESTAMP: the line's time, `YYYY-MM-DDTHH:MM:SS.mmmZ`.
 *
 * Header values are made valid rather than rejected: characters outside
 * printable US-ASCII become `_`, and values are cut to the RFC's lengths.
 */
import type { LogLine, LogStream } from '../../contracts.js';
import { RFC5424_LIMITS } from './rfc5424.js';
import type { SyslogMessage } from './rfc5424.js';
import { SyslogParseError } from './syslog-errors.js';
import { millisToTimestamp, timestampToMillis } from './syslog-timestamp.js';

export const MSGID_BY_STREAM: Readonly<Record<LogStream, string>> = { stdout: 'ID1', stderr: 'ID2', init: 'ID3' };

/** The stream of a MSGID, or undefined for an unknown one. */
export function streamOfMsgId(msgId: string | null): LogStream | undefined {
  switch (msgId) {
    case 'ID1':
      return 'stdout';
    case 'ID2':
      return 'stderr';
    case 'ID3':
      return 'init';
    default:
      return undefined;
  }
}

export interface SyslogPriority {
  facility: number;
  severity: number;
}

/** What the original flynn-host sent: PRI 0 for every stream. The default. */
export const FLYNN_PRIORITIES: Readonly<Record<LogStream, SyslogPriority>> = {
  stdout: { facility: 0, severity: 0 },
  stderr: { facility: 0, severity: 0 },
  init: { facility: 0, severity: 0 },
};

/** user.info for stdout, user.err for stderr, daemon.info for init. */
export const STANDARD_PRIORITIES: Readonly<Record<LogStream, SyslogPriority>> = {
  stdout: { facility: 1, severity: 6 },
  stderr: { facility: 1, severity: 3 },
  init: { facility: 3, severity: 6 },
};

/** SD-ID and PARAM-NAME that carry the sequence number. */
export const CURSOR_SD_ID = 'flynn';
export const CURSOR_SD_PARAM = 'seq';

/** Default longest message part, in UTF-8 octets, before a line is split (see DESIGN.md, "The logging pipeline"). */
export const DEFAULT_MAX_LINE_BYTES = 9_500;

export interface ToSyslogOptions {
  hostId: string;
  seq: number;
  priorities?: Readonly<Record<LogStream, SyslogPriority>>;
}

/** `<processType>.<jobId>`, or the job id alone. */
export function procIdOf(jobId: string, processType?: string): string {
  return processType ? `${processType}.${jobId}` : jobId;
}

/** Inverse of {@link procIdOf}, as the original: the part before the first `.` is the type. */
export function parseProcId(procId: string): { jobId: string; processType?: string } {
  const dot = procId.indexOf('.');
  if (dot <= 0) return { jobId: procId };
  return { jobId: procId.slice(dot + 1), processType: procId.slice(0, dot) };
}

/** A printable-ASCII header value of at most `max` characters, or null when nothing is left. */
export function headerSafe(value: string, max: number): string | null {
  const cleaned = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return cleaned === '' || cleaned === '-' ? null : cleaned;
}

/**
 * The message parts of one output line: split at every LF (one trailing LF is
 * dropped), then into pieces of at most `maxBytes` UTF-8 octets without
 * cutting a character. Never drops content; an empty line gives `['']`.
 */
export function splitLogMessage(message: string, maxBytes = DEFAULT_MAX_LINE_BYTES): string[] {
  const text = message.endsWith('\n') ? message.slice(0, -1) : message;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line.length * 3 <= maxBytes) {
      out.push(line);
      continue;
    }
    let piece = '';
    let bytes = 0;
    for (const ch of line) {
      const n = utf8Length(ch.codePointAt(0)!);
      if (bytes + n > maxBytes && piece !== '') {
        out.push(piece);
        piece = '';
        bytes = 0;
      }
      piece += ch;
      bytes += n;
    }
    out.push(piece);
  }
  return out;
}

function utf8Length(cp: number): number {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

/** The RFC 5424 message for one (already split) line. `line.time` must be a valid time (years 0-9999). */
export function toSyslogMessage(line: LogLine, options: ToSyslogOptions): SyslogMessage {
  const pri = (options.priorities ?? FLYNN_PRIORITIES)[line.stream] ?? FLYNN_PRIORITIES.stdout;
  return {
    facility: pri.facility,
    severity: pri.severity,
    timestamp: millisToTimestamp(line.time),
    hostname: headerSafe(options.hostId, RFC5424_LIMITS.hostname),
    appName: headerSafe(line.appId, RFC5424_LIMITS.appName),
    procId: headerSafe(procIdOf(line.jobId, line.processType), RFC5424_LIMITS.procId),
    msgId: MSGID_BY_STREAM[line.stream] ?? MSGID_BY_STREAM.stdout,
    structuredData: [{ id: CURSOR_SD_ID, params: [{ name: CURSOR_SD_PARAM, value: String(options.seq) }] }],
    msg: line.message,
  };
}

/** The sequence number in `[flynn seq="n"]`, or undefined when absent or not a safe non-negative integer. */
export function seqOf(m: SyslogMessage): number | undefined {
  const el = m.structuredData.find((e) => e.id === CURSOR_SD_ID);
  const v = el?.params.find((p) => p.name === CURSOR_SD_PARAM)?.value;
  if (v === undefined || !/^\d{1,16}$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

export interface ParsedLogMessage {
  line: LogLine;
  seq: number;
  /** The message's HOSTNAME (the sending host id). */
  hostId: string | null;
}

/** A message written by {@link toSyslogMessage}, back as a LogLine. Throws SyslogParseError when it is not one. */
export function fromSyslogMessage(m: SyslogMessage): ParsedLogMessage {
  const seq = seqOf(m);
  if (seq === undefined) throw new SyslogParseError('structuredData', 0, 'no [flynn seq="n"] element');
  const stream = streamOfMsgId(m.msgId);
  if (!stream) throw new SyslogParseError('msgId', 0, `unknown MSGID ${JSON.stringify(m.msgId)}`);
  if (m.timestamp === null) throw new SyslogParseError('timestamp', 0, 'missing timestamp');
  const { jobId, processType } = parseProcId(m.procId ?? '');
  const line: LogLine = {
    jobId,
    appId: m.appName ?? '',
    stream,
    message: m.msg ?? '',
    time: timestampToMillis(m.timestamp),
  };
  if (processType !== undefined) line.processType = processType;
  return { line, seq, hostId: m.hostname };
}

/**
 * The next sequence number: strictly above `last`, and at least the clock in
 * microseconds, so numbers keep growing across restarts even if the log files
 * that would tell the last one were lost (safe as JSON numbers until 2255).
 */
export function nextSeq(last: number, nowMs: number): number {
  const floor = Number.isFinite(nowMs) && nowMs > 0 ? Math.floor(nowMs) * 1000 : 0;
  return Math.max(last + 1, floor);
}
