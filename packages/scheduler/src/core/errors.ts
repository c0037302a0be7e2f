/**
 * The scheduler's error codes. Every error is a `FlynnError`; match on `code`
 * (or `isSchedulerError(err, code)`), not on the class.
 */
import { FlynnError } from '@flynn-ts/core';
import type { FlynnErrorOptions } from '@flynn-ts/core';

/** The app already has a deployment in progress (one at a time per app). */
export const SCHEDULER_DEPLOY_IN_PROGRESS = 'FLYNN_SCHEDULER_DEPLOY_IN_PROGRESS';
/** A deployment record is unusable (bad timeout, counts, batch size). */
export const SCHEDULER_INVALID_DEPLOYMENT = 'FLYNN_SCHEDULER_INVALID_DEPLOYMENT';

export type SchedulerErrorCode = typeof SCHEDULER_DEPLOY_IN_PROGRESS | typeof SCHEDULER_INVALID_DEPLOYMENT;

export class SchedulerError extends FlynnError {
  declare readonly code: SchedulerErrorCode;
  constructor(code: SchedulerErrorCode, message: string, options: FlynnErrorOptions = {}) {
    // Both are answered as the original does: 400 validation_error.
    super(code, message, { apiCode: 'validation_error', ...options });
    this.name = 'SchedulerError';
  }
}

/** True for a FlynnError with a scheduler code (from any copy of the package). */
export function isSchedulerError(err: unknown, code?: SchedulerErrorCode): err is SchedulerError {
  return FlynnError.is(err) && err.code.startsWith('FLYNN_SCHEDULER_') && (code === undefined || err.code === code);
}
