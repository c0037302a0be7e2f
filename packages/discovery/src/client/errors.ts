/**
 * The typed errors a discovery client throws, shared by the HTTP client and
 * `MemoryDiscovery` so callers match on the same codes whichever they use.
 * Match with `FlynnError.is(err) && err.code === ...` (or the guards below),
 * not `instanceof`, which breaks across duplicated copies of the package.
 */
import { FlynnError, HttpError, ValidationError } from '@flynn-ts/core';
// The codes are shared with the store's errors (src/core/errors.ts), so a caller
// matches the same code whether it talks to a store, a client or the fake.
import { DISCOVERY_EXISTS, DISCOVERY_INVALID, DISCOVERY_META_EXISTS, DISCOVERY_META_STALE, DISCOVERY_NOT_FOUND } from '../core/errors.js';

export const DISCOVERY_CLOSED = 'FLYNN_DISCOVERY_CLOSED';

/** 404: the service (or, for writes, the object written to) does not exist. */
export class DiscoveryNotFoundError extends FlynnError {
  constructor(message: string, cause?: unknown) {
    super(DISCOVERY_NOT_FOUND, message, { apiCode: 'object_not_found', cause });
    this.name = 'DiscoveryNotFoundError';
  }
}

/** 409 on `addService`: the service already exists. */
export class DiscoveryExistsError extends FlynnError {
  constructor(message: string, cause?: unknown) {
    super(DISCOVERY_EXISTS, message, { apiCode: 'object_exists', cause });
    this.name = 'DiscoveryExistsError';
  }
}

/** 409 on a meta write with `index: 0`: the meta already exists (CAS conflict). */
export class MetaExistsError extends FlynnError {
  constructor(message: string, cause?: unknown) {
    super(DISCOVERY_META_EXISTS, message, { apiCode: 'object_exists', cause });
    this.name = 'MetaExistsError';
  }
}

/** 412 on a meta write with `index: n`: the stored index is not `n`, or there is no meta (CAS conflict). */
export class MetaStaleError extends FlynnError {
  constructor(message: string, cause?: unknown) {
    super(DISCOVERY_META_STALE, message, { apiCode: 'precondition_failed', cause });
    this.name = 'MetaStaleError';
  }
}

/** The client (or heartbeater, or watch) was closed while the call was pending. */
export class DiscoveryClosedError extends FlynnError {
  constructor(what = 'discovery client') {
    super(DISCOVERY_CLOSED, `${what} is closed`, { apiCode: 'service_unavailable' });
    this.name = 'DiscoveryClosedError';
  }
}

/** A request rejected as invalid (400), with the offending field when known. */
export function discoveryValidationError(field: string, message: string, cause?: unknown): ValidationError {
  return new ValidationError(field, message, { code: DISCOVERY_INVALID, cause });
}

/** True for either CAS conflict of a meta write (409 exists, 412 stale). */
export function isMetaConflict(err: unknown): err is FlynnError {
  return FlynnError.is(err) && (err.code === DISCOVERY_META_EXISTS || err.code === DISCOVERY_META_STALE);
}

/** True for {@link DiscoveryNotFoundError} (from any copy of the package). */
export function isDiscoveryNotFound(err: unknown): err is FlynnError {
  return FlynnError.is(err) && err.code === DISCOVERY_NOT_FOUND;
}

/** What a 409 means for the request that got it. */
export type ConflictKind = 'service' | 'meta';

/**
 * Turns an HTTP error from discoverd into the typed error for the request
 * (404 → not found, 409 → exists, 412 → stale meta, 400 → validation);
 * anything else (503, connection failures, timeouts) is returned unchanged.
 */
export function mapHttpError(err: unknown, conflict: ConflictKind = 'service'): unknown {
  if (!(err instanceof HttpError)) return err;
  switch (err.status) {
    case 404:
      return new DiscoveryNotFoundError(err.message, err);
    case 409:
      return conflict === 'meta' ? new MetaExistsError(err.message, err) : new DiscoveryExistsError(err.message, err);
    case 412:
      return new MetaStaleError(err.message, err);
    case 400: {
      const detail = err.detail as { field?: unknown } | undefined;
      const field = typeof detail?.field === 'string' ? detail.field : 'request';
      return discoveryValidationError(field, err.message, err);
    }
    default:
      return err;
  }
}
