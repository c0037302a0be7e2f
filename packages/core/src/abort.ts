/**
 * AbortSignal lifecycle helpers: combine signals, add timeouts on an injected
 * clock, and run cleanups when a signal aborts.
 */
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { FlynnError } from './errors.js';

/** The error a timed-out signal aborts with. */
export class TimeoutError extends FlynnError {
  constructor(ms: number, what = 'operation') {
    super('FLYNN_CORE_TIMEOUT', `${what} timed out after ${ms} ms`, { apiCode: 'service_unavailable', retry: true });
    this.name = 'TimeoutError';
  }
}

/** The error used when something is shut down while work is pending. */
export class AbortedError extends FlynnError {
  constructor(message = 'aborted', cause?: unknown) {
    super('FLYNN_CORE_ABORTED', message, { apiCode: 'service_unavailable', cause });
    this.name = 'AbortedError';
  }
}

export interface LinkedSignal {
  signal: AbortSignal;
  /** Aborts the linked signal (if not yet aborted) and detaches from its parents. */
  abort(reason?: unknown): void;
  /** Detaches listeners and timers without aborting. */
  dispose(): void;
}

/**
 * A signal that aborts when any parent aborts, when `timeoutMs` passes (with a
 * {@link TimeoutError}), or when `abort()` is called. Always `dispose()` it.
 */
export function linkSignals(parents: ReadonlyArray<AbortSignal | undefined>, options: { timeoutMs?: number; clock?: Clock; what?: string } = {}): LinkedSignal {
  const ctl = new AbortController();
  const cleanups: Array<() => void> = [];
  const dispose = () => {
    for (const c of cleanups.splice(0)) c();
  };
  const abort = (reason?: unknown) => {
    dispose();
    if (!ctl.signal.aborted) ctl.abort(reason ?? new AbortedError());
  };
  for (const p of parents) {
    if (!p) continue;
    if (p.aborted) {
      abort(p.reason);
      return { signal: ctl.signal, abort, dispose };
    }
    const on = () => abort(p.reason);
    p.addEventListener('abort', on, { once: true });
    cleanups.push(() => p.removeEventListener('abort', on));
  }
  if (options.timeoutMs !== undefined && Number.isFinite(options.timeoutMs)) {
    const ms = options.timeoutMs;
    const timer = (options.clock ?? systemClock).setTimer(ms, () => abort(new TimeoutError(ms, options.what)));
    cleanups.push(() => timer.cancel());
  }
  return { signal: ctl.signal, abort, dispose };
}

/** Runs `fn` once when `signal` aborts (immediately if already aborted). Returns an unsubscribe. */
export function onAbort(signal: AbortSignal | undefined, fn: (reason: unknown) => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    fn(signal.reason);
    return () => {};
  }
  const on = () => fn(signal.reason);
  signal.addEventListener('abort', on, { once: true });
  return () => signal.removeEventListener('abort', on);
}

/** Rejects with the signal's reason if it aborts before `promise` settles. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const off = onAbort(signal, reject);
    promise.then(
      (v) => {
        off();
        resolve(v);
      },
      (e) => {
        off();
        reject(e);
      },
    );
  });
}
