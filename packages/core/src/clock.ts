/**
 * Time as an input. Library code takes a `Clock` instead of calling `Date.now`
 * or `setTimeout`, so tests can drive time with `ManualClock` (./testing).
 */

export interface Timer {
  /** Cancels the timer; safe to call more than once or after it fired. */
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch (wall clock). */
  now(): number;
  /** Monotonic milliseconds, for durations. */
  monotonic(): number;
  /** Calls `fn` once after `ms` milliseconds. */
  setTimer(ms: number, fn: () => void): Timer;
  /** Calls `fn` every `ms` milliseconds until cancelled. */
  every(ms: number, fn: () => void): Timer;
  /** Resolves after `ms`; rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. Timers are `unref`'d so they never keep a process alive by themselves. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
  every(ms, fn) {
    const t = setInterval(fn, ms);
    t.unref?.();
    return { cancel: () => clearInterval(t) };
  },
  sleep: (ms, signal) => sleepWith(systemClock, ms, signal, false),
};

/** A sleep built on any clock's `setTimer`; shared by the system and manual clocks. */
export function sleepWith(clock: Pick<Clock, 'setTimer'>, ms: number, signal: AbortSignal | undefined, _ref: boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      timer.cancel();
      reject(signal!.reason);
    };
    const timer = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
