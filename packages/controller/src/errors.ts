/**
 * Controller errors. Each is a FlynnError with a `FLYNN_CONTROLLER_*` code and
 * the original's wire code (`apiCode`), which decides the HTTP status through
 * the shared table in @flynn-ts/core (`not_found` 404, `object_exists` /
 * `conflict` 409, `precondition_failed` 412, `validation_error` 400, ...).
 *
 * Validation errors have the original's shape: `message` is
 * `"<field> <message>"` and `detail` is `{field}` (wire-observed), or no
 * detail when the error is not about one field.
 */
import { FlynnError } from '@flynn-ts/core';

export const CONTROLLER_VALIDATION = 'FLYNN_CONTROLLER_VALIDATION';
export const CONTROLLER_NOT_FOUND = 'FLYNN_CONTROLLER_NOT_FOUND';
export const CONTROLLER_EXISTS = 'FLYNN_CONTROLLER_EXISTS';
export const CONTROLLER_CONFLICT = 'FLYNN_CONTROLLER_CONFLICT';
export const CONTROLLER_PRECONDITION = 'FLYNN_CONTROLLER_PRECONDITION';
export const CONTROLLER_UNAVAILABLE = 'FLYNN_CONTROLLER_UNAVAILABLE';
export const CONTROLLER_DATABASE = 'FLYNN_CONTROLLER_DATABASE';
export const CONTROLLER_PROVIDER = 'FLYNN_CONTROLLER_PROVIDER';

export class ControllerError extends FlynnError {
  constructor(code: string, message: string, options: ConstructorParameters<typeof FlynnError>[2] = {}) {
    super(code, message, options);
    this.name = 'ControllerError';
  }
}

/** 400 `validation_error`; `field` may be empty for errors about the whole request. */
export function validationError(field: string, message: string): ControllerError {
  return new ControllerError(CONTROLLER_VALIDATION, field ? `${field} ${message}` : message, {
    apiCode: 'validation_error',
    ...(field ? { detail: { field } } : {}),
  });
}

/** 404 `not_found`. */
export function notFound(what: string): ControllerError {
  return new ControllerError(CONTROLLER_NOT_FOUND, `${what} not found`, { apiCode: 'not_found' });
}

/** 409 `object_exists`. */
export function objectExists(message: string): ControllerError {
  return new ControllerError(CONTROLLER_EXISTS, message, { apiCode: 'object_exists' });
}

/** 409 `conflict`; `detail` is echoed in the body (the original sends the rejected route). */
export function conflict(message: string, detail?: unknown): ControllerError {
  return new ControllerError(CONTROLLER_CONFLICT, message, { apiCode: 'conflict', ...(detail === undefined ? {} : { detail }) });
}

/** 412 `precondition_failed`. */
export function preconditionFailed(message: string): ControllerError {
  return new ControllerError(CONTROLLER_PRECONDITION, message, { apiCode: 'precondition_failed' });
}

/** 503 `service_unavailable`, retryable. */
export function unavailable(message: string, cause?: unknown): ControllerError {
  return new ControllerError(CONTROLLER_UNAVAILABLE, message, { apiCode: 'service_unavailable', retry: true, cause });
}

export function isControllerNotFound(err: unknown): boolean {
  return FlynnError.is(err) && (err.apiCode === 'not_found' || err.apiCode === 'object_not_found');
}

/** A `.catch()` handler: `value` for a not-found error, any other error rethrown. */
export function ifNotFound<T>(value: T): (err: unknown) => T {
  return (err) => {
    if (isControllerNotFound(err)) return value;
    throw err;
  };
}
