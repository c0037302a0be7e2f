/**
 * Errors of the job manager, with the original's wire codes (they decide the
 * HTTP status): an unknown job is 404 `object_not_found` ("host: unknown
 * job"), a duplicate id 409 `conflict`, too many concurrent starts 429
 * `ratelimited` with `retry: true`.
 */
import { FlynnError } from '@flynn-ts/core';

export const HOST_JOB_NOT_FOUND = 'FLYNN_HOST_JOB_NOT_FOUND';
export const HOST_JOB_EXISTS = 'FLYNN_HOST_JOB_EXISTS';
export const HOST_RATELIMITED = 'FLYNN_HOST_RATELIMITED';
export const HOST_JOB_NOT_RUNNING = 'FLYNN_HOST_JOB_NOT_RUNNING';
export const HOST_SHUTTING_DOWN = 'FLYNN_HOST_SHUTTING_DOWN';
export const HOST_VOLUME_NOT_FOUND = 'FLYNN_HOST_VOLUME_NOT_FOUND';
export const HOST_VOLUME_EXISTS = 'FLYNN_HOST_VOLUME_EXISTS';
export const HOST_VOLUME_IN_USE = 'FLYNN_HOST_VOLUME_IN_USE';
export const HOST_NOT_CONFIGURED = 'FLYNN_HOST_NOT_CONFIGURED';

export class JobNotFoundError extends FlynnError {
  constructor(id: string) {
    super(HOST_JOB_NOT_FOUND, 'host: unknown job', { apiCode: 'object_not_found', detail: { id } });
    this.name = 'JobNotFoundError';
  }
}

export class JobExistsError extends FlynnError {
  constructor(id: string) {
    super(HOST_JOB_EXISTS, 'host: job exists', { apiCode: 'conflict', detail: { id } });
    this.name = 'JobExistsError';
  }
}

export class RateLimitedError extends FlynnError {
  constructor(limit: number) {
    super(HOST_RATELIMITED, `maximum concurrent AddJob calls running (${limit}), try again later`, { apiCode: 'ratelimited', retry: true });
    this.name = 'RateLimitedError';
  }
}

export class JobNotRunningError extends FlynnError {
  constructor(id: string, status: string) {
    super(HOST_JOB_NOT_RUNNING, 'host: job not running', { apiCode: 'conflict', detail: { id, status } });
    this.name = 'JobNotRunningError';
  }
}

export class ShuttingDownError extends FlynnError {
  constructor() {
    super(HOST_SHUTTING_DOWN, 'host: shutting down, not starting jobs', { apiCode: 'service_unavailable', retry: true });
    this.name = 'ShuttingDownError';
  }
}

export class VolumeNotFoundError extends FlynnError {
  constructor(id: string) {
    super(HOST_VOLUME_NOT_FOUND, `no volume with id "${id}"`, { apiCode: 'object_not_found', detail: { id } });
    this.name = 'VolumeNotFoundError';
  }
}

export class VolumeExistsError extends FlynnError {
  constructor(id: string) {
    super(HOST_VOLUME_EXISTS, `volume "${id}" already exists`, { apiCode: 'object_exists', detail: { id } });
    this.name = 'VolumeExistsError';
  }
}

export class VolumeInUseError extends FlynnError {
  constructor(ids: readonly string[]) {
    super(HOST_VOLUME_IN_USE, `volumes in use by an active job: ${ids.join(', ')}`, { apiCode: 'conflict', detail: { volumes: ids } });
    this.name = 'VolumeInUseError';
  }
}

/** A feature the host was started without (no log manager, no network manager). */
export class NotConfiguredError extends FlynnError {
  constructor(what: string) {
    super(HOST_NOT_CONFIGURED, `host: ${what} is not configured on this host`, { apiCode: 'service_unavailable' });
    this.name = 'NotConfiguredError';
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
