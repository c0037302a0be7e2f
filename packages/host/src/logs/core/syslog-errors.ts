/**
 * Typed errors of the syslog codecs. Callers match on `code`:
 *
 * - `FLYNN_HOST_SYSLOG_PARSE`: bytes that are not a valid RFC 5424 message
 *   (`field` names the part, `offset` the byte where parsing stopped);
 * - `FLYNN_HOST_SYSLOG_FORMAT`: a message object that cannot be formatted
 *   (a field too long, a forbidden character, an out-of-range PRI);
 * - `FLYNN_HOST_SYSLOG_FRAME`: an RFC 6587 stream that is not well framed
 *   (bad MSG-LEN, a frame over the size limit, a stray byte, a torn frame).
 *
 * All three answer `validation_error` (400) if they ever reach an HTTP API.
 */
import { FlynnError, ValidationError } from '@flynn-ts/core';

export const SYSLOG_PARSE = 'FLYNN_HOST_SYSLOG_PARSE';
export const SYSLOG_FORMAT = 'FLYNN_HOST_SYSLOG_FORMAT';
export const SYSLOG_FRAME = 'FLYNN_HOST_SYSLOG_FRAME';

/** The RFC 5424 parts an error can name. */
export type SyslogField =
  | 'pri'
  | 'version'
  | 'timestamp'
  | 'hostname'
  | 'appName'
  | 'procId'
  | 'msgId'
  | 'structuredData'
  | 'msg';

export class SyslogParseError extends FlynnError {
  readonly field: SyslogField;
  readonly offset: number;
  constructor(field: SyslogField, offset: number, message: string) {
    super(SYSLOG_PARSE, `rfc5424: ${field} at byte ${offset}: ${message}`, {
      apiCode: 'validation_error',
      detail: { field, offset, message },
    });
    this.name = 'SyslogParseError';
    this.field = field;
    this.offset = offset;
  }
}

export class SyslogFormatError extends ValidationError {
  constructor(field: SyslogField, message: string) {
    super(field, `rfc5424: ${field}: ${message}`, { code: SYSLOG_FORMAT });
    this.name = 'SyslogFormatError';
  }
}

export class SyslogFrameError extends FlynnError {
  /** Byte position in the whole stream (counted over every chunk pushed) where the error was found. */
  readonly offset: number;
  constructor(offset: number, message: string) {
    super(SYSLOG_FRAME, `rfc6587: at byte ${offset}: ${message}`, {
      apiCode: 'validation_error',
      detail: { offset, message },
    });
    this.name = 'SyslogFrameError';
    this.offset = offset;
  }
}
