/**
 * The error family shared by every flynn-ts package.
 *
 * Every error has a stable `code` (`FLYNN_<PKG>_<WHAT>`) that callers and logs
 * match on, and an `apiCode` (the original Flynn's wire code, e.g. `not_found`)
 * that decides the HTTP status and goes into the JSON error body. `FlynnError.is`
 * works across duplicated copies of this package (it checks a `Symbol.for` brand,
 * not `instanceof`).
 */

const BRAND = Symbol.for('flynn.error');

/** Wire error codes of the original Flynn (reference §0.2) and their HTTP status. */
export const API_ERROR_STATUS = {
  not_found: 404,
  object_not_found: 404,
  object_exists: 409,
  conflict: 409,
  precondition_failed: 412,
  syntax_error: 400,
  validation_error: 400,
  request_body_too_big: 400,
  bad_request: 400,
  unauthorized: 401,
  method_not_allowed: 405,
  ratelimited: 429,
  service_unavailable: 503,
  unknown_error: 500,
} as const satisfies Record<string, number>;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

/** The JSON error body every flynn-ts HTTP API answers with. */
export interface ErrorBody {
  code: string;
  message: string;
  detail?: unknown;
  retry?: boolean;
}

export interface FlynnErrorOptions {
  /** Original-Flynn wire code; decides the HTTP status. Default `unknown_error`. */
  apiCode?: ApiErrorCode | (string & {});
  /** Explicit HTTP status; default from {@link API_ERROR_STATUS}. */
  status?: number;
  detail?: unknown;
  /** Whether the caller may retry the same request safely. */
  retry?: boolean;
  cause?: unknown;
}

export class FlynnError extends Error {
  /** Stable machine-readable code, `FLYNN_<PKG>_<WHAT>`. */
  readonly code: string;
  readonly apiCode: string;
  readonly status: number;
  readonly detail: unknown;
  readonly retry: boolean;

  constructor(code: string, message: string, options: FlynnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FlynnError';
    this.code = code;
    this.apiCode = options.apiCode ?? 'unknown_error';
    this.status = options.status ?? statusForApiCode(this.apiCode);
    this.detail = options.detail;
    this.retry = options.retry ?? false;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** True for any FlynnError, including ones made by another copy of this package. */
  static is(err: unknown): err is FlynnError {
    return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
  }

  /** The JSON body sent over HTTP. Uses the original's wire code for compatibility. */
  toJSON(): ErrorBody {
    // The original always sends `retry` (false included); clients may rely on it.
    const body: ErrorBody = { code: this.apiCode, message: this.message };
    if (this.detail !== undefined) body.detail = this.detail;
    body.retry = this.retry;
    return body;
  }
}

/** A broken invariant: a bug. Never caught below the daemon; carries the values. */
export class InvariantError extends FlynnError {
  constructor(message: string, values?: Record<string, unknown>) {
    super('FLYNN_CORE_INVARIANT', values ? `${message} ${safeStringify(values)}` : message, {
      apiCode: 'unknown_error',
      detail: values,
    });
    this.name = 'InvariantError';
  }
}

/** Throws an {@link InvariantError} with the given values when `cond` is false. */
export function invariant(cond: unknown, message: string, values?: Record<string, unknown>): asserts cond {
  if (!cond) throw new InvariantError(message, values);
}

/** Input that failed validation; `field` names the offending field. */
export class ValidationError extends FlynnError {
  constructor(field: string, message: string, options: { code?: string; cause?: unknown } = {}) {
    super(options.code ?? 'FLYNN_CORE_VALIDATION', message, {
      apiCode: 'validation_error',
      detail: { field, message },
      cause: options.cause,
    });
    this.name = 'ValidationError';
  }
}

/** An error decoded from a remote JSON error body (see the HTTP client). */
export class HttpError extends FlynnError {
  readonly url: string | undefined;
  constructor(status: number, body: ErrorBody, url?: string) {
    super(`FLYNN_HTTP_${body.code.toUpperCase()}`, body.message || `HTTP ${status}`, {
      apiCode: body.code,
      status,
      detail: body.detail,
      retry: body.retry ?? false,
    });
    this.name = 'HttpError';
    this.url = url;
  }
}

export function statusForApiCode(apiCode: string): number {
  return (API_ERROR_STATUS as Record<string, number>)[apiCode] ?? 500;
}

/** The wire code matching an HTTP status, for bodies that carry none. */
export function apiCodeForStatus(status: number): ApiErrorCode {
  switch (status) {
    case 400: return 'validation_error';
    case 401: return 'unauthorized';
    case 404: return 'not_found';
    case 405: return 'method_not_allowed';
    case 409: return 'conflict';
    case 412: return 'precondition_failed';
    case 429: return 'ratelimited';
    case 503: return 'service_unavailable';
    default: return 'unknown_error';
  }
}

/** Turns anything thrown into the JSON error body and status to answer with. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (FlynnError.is(err)) return { status: err.status, body: err.toJSON() };
  return { status: 500, body: { code: 'unknown_error', message: 'internal server error', retry: false } };
}

/** Checks that a parsed value has the shape of an {@link ErrorBody}. */
export function isErrorBody(v: unknown): v is ErrorBody {
  return typeof v === 'object' && v !== null && typeof (v as ErrorBody).code === 'string' && typeof (v as ErrorBody).message === 'string';
}

function safeStringify(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  } catch {
    return String(v);
  }
}
