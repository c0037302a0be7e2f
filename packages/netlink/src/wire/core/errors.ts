import { FlynnError } from '@flynn-ts/core';
import { errnoName } from './errno.js';

/** What the kernel said about a failed request (NLMSGERR_ATTR_* of an extended ack). */
export interface ExtendedAck {
  /** Human-readable reason, e.g. "Unknown device type". */
  message?: string;
  /** Byte offset into the request of the attribute the kernel objected to. */
  offset?: number;
  /** Attribute type the kernel found missing (NLMSGERR_ATTR_MISS_TYPE). */
  missingType?: number;
}

export interface NetlinkErrorDetail {
  errno: number;
  /** The request that failed: its message type and sequence number. */
  request?: { type: number; seq: number };
  ack?: ExtendedAck;
  /** The syscall that failed, for socket-level errors (`sendto`, `setns`, ...). */
  syscall?: string;
}

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ESRCH: 'no such process',
  EBUSY: 'device or resource busy',
  EEXIST: 'file exists',
  ENODEV: 'no such device',
  EINVAL: 'invalid argument',
  ERANGE: 'numerical result out of range',
  EOPNOTSUPP: 'operation not supported',
  EADDRNOTAVAIL: 'cannot assign requested address',
  ENETUNREACH: 'network is unreachable',
  ENOBUFS: 'no buffer space available',
  EMSGSIZE: 'message too long',
};

const API_CODES: Readonly<Record<string, string>> = {
  EEXIST: 'object_exists',
  ENOENT: 'not_found',
  ENODEV: 'not_found',
  ESRCH: 'not_found',
  EADDRNOTAVAIL: 'not_found',
  EINVAL: 'validation_error',
  ERANGE: 'validation_error',
  EBUSY: 'conflict',
  ENOTEMPTY: 'conflict',
  EPERM: 'unauthorized',
  EACCES: 'unauthorized',
};

/**
 * A request the kernel refused, or a socket call that failed, with the errno
 * as a stable code: `FLYNN_NETLINK_EEXIST`, `FLYNN_NETLINK_ENODEV`,
 * `FLYNN_NETLINK_EPERM`, `FLYNN_NETLINK_EBUSY`, ... Match on `code` (or use
 * {@link isNetlinkErrno}); `errno` holds the number.
 */
export class NetlinkError extends FlynnError {
  readonly errno: number;
  /** `EEXIST` etc. */
  readonly errnoName: string;
  readonly ack: ExtendedAck | undefined;
  readonly request: { type: number; seq: number } | undefined;
  readonly syscall: string | undefined;

  constructor(detail: NetlinkErrorDetail, options: { cause?: unknown; context?: string } = {}) {
    const name = errnoName(detail.errno);
    const text = ERRNO_TEXT[name];
    const parts = [options.context, detail.syscall, `${name}${text ? ` (${text})` : ''}`].filter((p) => p !== undefined);
    const reason = detail.ack?.message ? `: ${detail.ack.message}` : '';
    super(`FLYNN_NETLINK_${name}`, `${parts.join(': ')}${reason}`, {
      apiCode: API_CODES[name] ?? 'unknown_error',
      detail: { name, ...detail },
      retry: name === 'EAGAIN' || name === 'EBUSY' || name === 'EINTR' || name === 'ENOBUFS',
      cause: options.cause,
    });
    this.name = 'NetlinkError';
    this.errno = detail.errno;
    this.errnoName = name;
    this.ack = detail.ack;
    this.request = detail.request;
    this.syscall = detail.syscall;
  }
}

/** True when `err` is a netlink errno error, optionally a given one (`isNetlinkErrno(e, 'EEXIST')`). */
export function isNetlinkErrno(err: unknown, name?: string): err is NetlinkError {
  if (!FlynnError.is(err) || typeof (err as { errno?: unknown }).errno !== 'number') return false;
  return name === undefined || err.code === `FLYNN_NETLINK_${name}`;
}

/** A message that does not parse: truncated, misaligned, or with a bad length. */
export class NetlinkDecodeError extends FlynnError {
  constructor(message: string) {
    super('FLYNN_NETLINK_DECODE', message);
    this.name = 'NetlinkDecodeError';
  }
}

/** A value a request builder cannot encode (a bad address, an out-of-range id...). */
export class NetlinkEncodeError extends FlynnError {
  constructor(field: string, message: string) {
    super('FLYNN_NETLINK_ENCODE', `${field}: ${message}`, { apiCode: 'validation_error', detail: { field } });
    this.name = 'NetlinkEncodeError';
  }
}
