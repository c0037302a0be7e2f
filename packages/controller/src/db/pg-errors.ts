/**
 * PostgreSQL errors the controller expects, by SQLSTATE and constraint name,
 * and the mapping of the rest: connection-level failures become retryable
 * 503s; anything else is a bug and stays a 500.
 */
import { FlynnError } from '@flynn-ts/core';
import { ControllerError, CONTROLLER_DATABASE } from '../errors.js';

export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
export const CHECK_VIOLATION = '23514';
export const SERIALIZATION_FAILURE = '40001';
export const DEADLOCK_DETECTED = '40P01';

/** Our own SQLSTATEs, raised by the migrations' triggers. */
export const PG_CURRENT_RELEASE = 'FLA01';
export const PG_MISSING_RELEASE = 'FLA02';
export const PG_RELEASE_IMMUTABLE = 'FLA03';
export const PG_JOB_STATE = 'FLJ01';
export const PG_ROUTE_INVALID = 'FLR01';
export const PG_ROUTE_DEPENDENTS = 'FLR02';
export const PG_NO_TCP_PORT = 'FLR03';
export const PG_DRAIN_MISMATCH = 'FLR04';

interface PgErrorLike {
  code?: string;
  constraint?: string;
  message: string;
}

function asPg(err: unknown): PgErrorLike | undefined {
  if (typeof err !== 'object' || err === null || FlynnError.is(err)) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? (err as PgErrorLike) : undefined;
}

export function pgCode(err: unknown): string | undefined {
  return asPg(err)?.code;
}

/** True for a unique violation, optionally of one named constraint/index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = asPg(err);
  return e?.code === UNIQUE_VIOLATION && (constraint === undefined || e.constraint === constraint);
}

export function pgMessage(err: unknown): string {
  return asPg(err)?.message ?? (err instanceof Error ? err.message : String(err));
}

/** Transient failures a transaction may simply be retried after. */
export function isRetryableTxError(err: unknown): boolean {
  const code = pgCode(err);
  return code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED;
}

const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH']);

/**
 * Wraps database failures that are not the request's fault: lost or refused
 * connections, a server shutting down or out of resources (retryable 503s,
 * like the original's `retry: true`). Other errors pass through unchanged.
 */
export function wrapDatabaseError(err: unknown): unknown {
  if (FlynnError.is(err)) return err;
  const code = pgCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const connectionLost =
    (code !== undefined && (code.startsWith('08') || code.startsWith('57P') || code.startsWith('53') || CONNECTION_ERRNOS.has(code))) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message);
  if (connectionLost || isRetryableTxError(err)) {
    return new ControllerError(CONTROLLER_DATABASE, 'database unavailable', { apiCode: 'service_unavailable', retry: true, cause: err });
  }
  return err;
}
