/** How the executor classifies a failed call (see ./ports.ts). */
import { FlynnError, HttpError } from '@flynn-ts/core';

/** The HTTP status of a failed call, if it got an answer. */
export function statusOf(err: unknown): number | undefined {
  return err instanceof HttpError || (FlynnError.is(err) && err.code.startsWith('FLYNN_HTTP_') && err.code !== 'FLYNN_HTTP_CONNECTION') ? (err as FlynnError).status : undefined;
}

/** Worth another attempt: marked `retry`, no answer at all, 408/429 or a 5xx. */
export function isRetryable(err: unknown): boolean {
  if (FlynnError.is(err) && err.retry) return true;
  const status = statusOf(err);
  if (status === undefined) return true;
  return status === 408 || status === 429 || status >= 500;
}
