export {
  FlynnError,
  InvariantError,
  ValidationError,
  HttpError,
  invariant,
  API_ERROR_STATUS,
  statusForApiCode,
  apiCodeForStatus,
  toErrorResponse,
  isErrorBody,
} from './errors.js';
export type { ApiErrorCode, ErrorBody, FlynnErrorOptions } from './errors.js';
export { systemClock, sleepWith } from './clock.js';
export type { Clock, Timer } from './clock.js';
export { seededRandom, cryptoRandom } from './random.js';
export type { Random } from './random.js';
export { noopLogger, jsonLogger } from './logger.js';
export type { Logger, LogFields, LogLevel } from './logger.js';
export { channels, publish, subscribe } from './diagnostics.js';
export type { ChannelName } from './diagnostics.js';
export { Backoff, backoffDelay, retry } from './backoff.js';
export type { BackoffOptions, RetryOptions } from './backoff.js';
export { linkSignals, onAbort, raceAbort, TimeoutError, AbortedError } from './abort.js';
export type { LinkedSignal } from './abort.js';
