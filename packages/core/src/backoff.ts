/**
 * Exponential backoff with jitter, and a retry loop built on it. Time comes from
 * an injected Clock and jitter from an injected Random.
 */
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { Random } from './random.js';
import { cryptoRandom } from './random.js';

export interface BackoffOptions {
  /** First delay in ms. Default 100. */
  initialMs?: number;
  /** Cap in ms. Default 10_000. */
  maxMs?: number;
  /** Growth factor per attempt. Default 2. */
  factor?: number;
  /**
   * Jitter: `full` picks uniformly in [0, d]; `equal` in [d/2, d]; `none` is d.
   * Default `equal`.
   */
  jitter?: 'full' | 'equal' | 'none';
}

/** The delay before retry number `attempt` (0-based). Pure given `random`. */
export function backoffDelay(attempt: number, random: Random, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 100;
  const max = options.maxMs ?? 10_000;
  const factor = options.factor ?? 2;
  const d = Math.min(max, initial * Math.pow(factor, Math.max(0, attempt)));
  switch (options.jitter ?? 'equal') {
    case 'none':
      return d;
    case 'full':
      return random.next() * d;
    case 'equal':
      return d / 2 + random.next() * (d / 2);
  }
}

/** A stateful backoff: `next()` gives the next delay, `reset()` starts over. */
export class Backoff {
  private attempt = 0;
  constructor(
    private readonly options: BackoffOptions = {},
    private readonly random: Random = cryptoRandom(),
  ) {}
  next(): number {
    return backoffDelay(this.attempt++, this.random, this.options);
  }
  reset(): void {
    this.attempt = 0;
  }
  get attempts(): number {
    return this.attempt;
  }
}

export interface RetryOptions extends BackoffOptions {
  /** Total attempts including the first. Default 5. */
  attempts?: number;
  /** Whether an error is worth another attempt. Default: always. */
  retryable?: (err: unknown, attempt: number) => boolean;
  signal?: AbortSignal;
  clock?: Clock;
  random?: Random;
  /** Called before each wait, e.g. to log. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/** Runs `fn` until it resolves, an error is not retryable, attempts run out or the signal aborts. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom();
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (err) {
      const last = attempt + 1 >= attempts;
      if (last || (options.retryable && !options.retryable(err, attempt))) throw err;
      const delay = backoffDelay(attempt, random, options);
      options.onRetry?.(err, attempt, delay);
      await clock.sleep(delay, options.signal);
    }
  }
}
