/**
 * The replicated state's typed refusals, and the errors the store throws.
 *
 * The reducer never throws for an expected refusal: it returns a
 * {@link CommandFailure} (a plain, JSON-able value) that travels back to the
 * proposer, which turns it into a `FlynnError` with {@link commandError}.
 * Messages are the original discoverd's, byte for byte (wire-observed §2).
 * Codes match the client's (`src/client/errors.ts`) so callers match on the
 * same `FLYNN_DISCOVERY_*` code whether they talk to a store or a client.
 */
import { FlynnError } from '@flynn-ts/core';
import type { ServiceMeta } from './types.js';

export type CommandErrorCode = 'object_exists' | 'object_not_found' | 'precondition_failed' | 'validation_error';

/** A command the reducer refused; the state is unchanged. */
export interface CommandFailure {
  ok: false;
  code: CommandErrorCode;
  message: string;
  /** Distinguishes the two 409s/412s (service vs meta) for the `FLYNN_DISCOVERY_*` code. */
  subject?: 'meta';
}

/** A command the reducer applied. `meta` is set for `set-meta`: the stored meta with its new index. */
export interface CommandSuccess {
  ok: true;
  meta?: ServiceMeta;
}

export type CommandResult = CommandSuccess | CommandFailure;

export const DISCOVERY_NOT_FOUND = 'FLYNN_DISCOVERY_NOT_FOUND';
export const DISCOVERY_EXISTS = 'FLYNN_DISCOVERY_EXISTS';
export const DISCOVERY_META_EXISTS = 'FLYNN_DISCOVERY_META_EXISTS';
export const DISCOVERY_META_STALE = 'FLYNN_DISCOVERY_META_STALE';
export const DISCOVERY_INVALID = 'FLYNN_DISCOVERY_INVALID';
export const DISCOVERY_NO_LEADER = 'FLYNN_DISCOVERY_NO_LEADER';
export const DISCOVERY_CATCHING_UP = 'FLYNN_DISCOVERY_CATCHING_UP';
export const DISCOVERY_SHUTDOWN = 'FLYNN_DISCOVERY_SHUTDOWN';

const CODES: Record<CommandErrorCode, string> = {
  object_exists: DISCOVERY_EXISTS,
  object_not_found: DISCOVERY_NOT_FOUND,
  precondition_failed: DISCOVERY_META_STALE,
  validation_error: DISCOVERY_INVALID,
};

/** An error of the discovery store; `apiCode` decides the HTTP answer. */
export class DiscoveryError extends FlynnError {
  constructor(code: string, message: string, options: { apiCode: string; retry?: boolean; cause?: unknown }) {
    super(code, message, options);
    this.name = 'DiscoveryError';
  }
}

/** The `FlynnError` a proposer throws for a refused command. No `detail`, so the body is the original's. */
export function commandError(f: CommandFailure): DiscoveryError {
  const code = f.subject === 'meta' && f.code === 'object_exists' ? DISCOVERY_META_EXISTS : CODES[f.code];
  return new DiscoveryError(code, f.message, { apiCode: f.code });
}

// ---- failures the reducer returns (exact original messages) -----------------

export function fail(code: CommandErrorCode, message: string, subject?: 'meta'): CommandFailure {
  return subject ? { ok: false, code, message, subject } : { ok: false, code, message };
}

export const serviceNotFound = (service: string): CommandFailure =>
  fail('object_not_found', `discoverd: service ${JSON.stringify(service)} not found`);

export const serviceExists = (service: string): CommandFailure =>
  fail('object_exists', `discoverd: service ${JSON.stringify(service)} already exists`);

export const metaExists = (service: string): CommandFailure =>
  fail('object_exists', `Service metadata for ${JSON.stringify(service)} already exists, use index=n to set`, 'meta');

export const metaMissing = (service: string): CommandFailure =>
  fail('precondition_failed', `Service metadata for ${JSON.stringify(service)} does not exist, use index=0 to set`, 'meta');

export const metaWrongIndex = (service: string): CommandFailure =>
  fail('precondition_failed', `Service metadata for ${JSON.stringify(service)} exists, but wrong index provided`, 'meta');

export const NOT_MANUAL_MESSAGE = 'service leader election type is not manual';
export const notManual = (): CommandFailure => fail('validation_error', NOT_MANUAL_MESSAGE);

// ---- errors the store throws directly ---------------------------------------

export function validationError(message: string): DiscoveryError {
  return new DiscoveryError(DISCOVERY_INVALID, message, { apiCode: 'validation_error' });
}

/** 503: no raft leader is known, so a write cannot be placed (the original's `ErrNoKnownLeader`). */
export function noKnownLeader(): DiscoveryError {
  return new DiscoveryError(DISCOVERY_NO_LEADER, 'discoverd: no known leader', { apiCode: 'service_unavailable', retry: true });
}

/** 503: the node restarted and has not confirmed it holds the committed state yet. */
export function catchingUp(): DiscoveryError {
  return new DiscoveryError(DISCOVERY_CATCHING_UP, 'discoverd: store is catching up with the cluster', {
    apiCode: 'service_unavailable',
    retry: true,
  });
}

/** 503: the store is shutting down or stopped. */
export function shuttingDown(): DiscoveryError {
  return new DiscoveryError(DISCOVERY_SHUTDOWN, 'discoverd: shutting down', { apiCode: 'service_unavailable', retry: true });
}
