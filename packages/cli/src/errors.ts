/**
 * The CLI's errors and how any error becomes one line on stderr and an exit
 * code: usage errors exit 2, everything else 1. No I/O here.
 *
 * Two failures get fixed wording because users hit them first:
 *
 *   unauthorized: check the cluster key (flynn cluster add)
 *   cannot reach the controller at <url>: <reason>
 *
 * An API error is printed as `<wire code>: <message>` (`not_found: app not
 * found`), a local problem (no app, bad flynnrc) as its message.
 */
import { FlynnError } from '@flynn-ts/core';

export const CLI_ERROR = 'FLYNN_CLI_ERROR';
export const CLI_USAGE = 'FLYNN_CLI_USAGE';
export const CLI_CONFIG = 'FLYNN_CLI_CONFIG';
export const CLI_TLS_PIN = 'FLYNN_CLI_TLS_PIN';
export const CLI_TIMEOUT = 'FLYNN_CLI_TIMEOUT';

/** A failure to report as is (exit 1). */
export class CliError extends FlynnError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(options.code ?? CLI_ERROR, message, { apiCode: 'bad_request', cause: options.cause });
    this.name = 'CliError';
  }
}

/** Wrong arguments: the message, then the command's usage (exit 2). */
export class UsageError extends FlynnError {
  /** The command path whose usage to print (empty: the main usage). */
  readonly path: readonly string[];
  constructor(message: string, path: readonly string[] = []) {
    super(CLI_USAGE, message, { apiCode: 'bad_request' });
    this.name = 'UsageError';
    this.path = path;
  }
}

/** The server's certificate did not match the cluster's `TLSPin`. */
export class TlsPinError extends FlynnError {
  constructor(host: string) {
    super(CLI_TLS_PIN, `the TLS certificate of ${host} does not match the pinned fingerprint (TLSPin)`, { apiCode: 'unauthorized' });
    this.name = 'TlsPinError';
  }
}

export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_USAGE = 2;

export const UNAUTHORIZED_MESSAGE = 'unauthorized: check the cluster key (flynn cluster add)';

export interface DescribedError {
  message: string;
  exitCode: number;
}

/** Error codes (errno and OpenSSL) that mean the controller could not be reached or trusted. */
const CONNECT_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed',
  UND_ERR_CLOSED: 'connection closed',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'no answer in time',
  FLYNN_CORE_TIMEOUT: 'no answer in time',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate (add the cluster with its TLS pin: flynn cluster add -p <pin>)',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain (add the cluster with its TLS pin: flynn cluster add -p <pin>)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate not trusted (add the cluster with its TLS pin: flynn cluster add -p <pin>)',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate not trusted (add the cluster with its TLS pin: flynn cluster add -p <pin>)',
  CERT_HAS_EXPIRED: 'certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate is not valid for this host name',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is the URL http rather than https?)',
  EPROTO: 'TLS handshake failed',
};

/** Turns anything thrown by a command into the line to print and the exit code. */
export function describeError(err: unknown, controllerUrl?: string): DescribedError {
  if (err instanceof UsageError) return { message: err.message, exitCode: EXIT_USAGE };
  if (FlynnError.is(err) && err.code === CLI_TLS_PIN) {
    return { message: unreachable(controllerUrl, err.message), exitCode: EXIT_ERROR };
  }
  if (FlynnError.is(err) && err.name === 'HttpError') {
    if (err.status === 401) return { message: UNAUTHORIZED_MESSAGE, exitCode: EXIT_ERROR };
    return { message: `${err.apiCode}: ${err.message}`, exitCode: EXIT_ERROR };
  }
  const code = errorCode(err);
  if (code !== undefined && (code in CONNECT_REASONS || code === 'FLYNN_HTTP_CONNECTION')) {
    const inner = code === 'FLYNN_HTTP_CONNECTION' ? errorCode((err as { cause?: unknown }).cause) : code;
    const reason = inner !== undefined && inner in CONNECT_REASONS ? `${CONNECT_REASONS[inner]} (${inner})` : firstLine(err);
    return { message: unreachable(controllerUrl, reason), exitCode: EXIT_ERROR };
  }
  if (FlynnError.is(err)) return { message: err.message, exitCode: EXIT_ERROR };
  return { message: firstLine(err), exitCode: EXIT_ERROR };
}

function unreachable(url: string | undefined, reason: string): string {
  return `cannot reach the controller at ${url ?? '(unknown URL)'}: ${reason}`;
}

/** The errno-like code of an error, its cause, or the first error of an AggregateError. */
export function errorCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== CLI_ERROR) return code;
    const first = e instanceof AggregateError ? e.errors[0] : undefined;
    e = first ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
