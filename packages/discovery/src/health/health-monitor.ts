/**
 * Runs a health check on a schedule and reports up/down transitions
 * (reference §1.9, the original's `health.Monitor`):
 *
 *   created ──first success──▶ up ──threshold failures in a row──▶ down
 *                              ▲                                   │
 *                              └──────threshold successes in a row─┘
 *
 * - The first check runs at `start()`; then every `startIntervalMs` (100 ms)
 *   until the first success, and every `intervalMs` (2 s) from then on.
 * - The first success makes it `up` at once; later flips need `threshold`
 *   (default 2) consecutive results. Failures before the first success do not
 *   make it `down` (it stays `created`; see `registerWhileHealthy`'s start
 *   timeout).
 * - Checks never overlap: the next one is due an interval after the previous
 *   one started, or at once if it took longer.
 */
import { AbortedError, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Timer } from '@flynn-ts/core';
import type { HealthCheck } from './health-check.js';

export type HealthStatus = 'created' | 'up' | 'down';

export interface HealthEvent {
  status: 'up' | 'down';
  /** For `down`: the last failure. */
  error?: unknown;
}

export interface HealthMonitorOptions {
  clock?: Clock;
  /** Interval until the first success. Default 100 ms. */
  startIntervalMs?: number;
  /** Interval after the first success. Default 2 000 ms. */
  intervalMs?: number;
  /** Consecutive results needed to flip up ↔ down. Default 2. */
  threshold?: number;
  logger?: Logger;
}

export class HealthMonitor {
  private state: HealthStatus = 'created';
  private ups = 0;
  private downs = 0;
  private timer: Timer | undefined;
  private running = false;
  private readonly ctl = new AbortController();
  /** The signal of the check in flight: one per check, so listeners a check leaves behind die with it. */
  private inflight: AbortController | undefined;
  private readonly listeners = new Set<(e: HealthEvent) => void>();
  private readonly clock: Clock;
  private readonly startIntervalMs: number;
  private readonly intervalMs: number;
  private readonly threshold: number;
  private readonly logger: Logger;

  constructor(
    private readonly check: HealthCheck,
    options: HealthMonitorOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.startIntervalMs = options.startIntervalMs ?? 100;
    this.intervalMs = options.intervalMs ?? 2_000;
    this.threshold = Math.max(1, options.threshold ?? 2);
    this.logger = options.logger ?? noopLogger;
  }

  get status(): HealthStatus {
    return this.state;
  }

  get stopped(): boolean {
    return this.ctl.signal.aborted;
  }

  /** Subscribes to transitions; returns the unsubscribe function. */
  onChange(fn: (e: HealthEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Runs the first check now and keeps checking until `stop()`. */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.runCheck();
  }

  /** Stops checking; a check in flight is aborted and its result ignored. Idempotent. */
  stop(): void {
    if (this.stopped) return;
    const reason = new AbortedError('health monitor stopped');
    this.ctl.abort(reason);
    this.inflight?.abort(reason);
    this.timer?.cancel();
    this.timer = undefined;
  }

  private async runCheck(): Promise<void> {
    if (this.stopped) return;
    const started = this.clock.monotonic();
    let error: unknown;
    let ok = true;
    const ctl = new AbortController();
    this.inflight = ctl;
    try {
      await this.check(ctl.signal);
    } catch (err) {
      ok = false;
      error = err;
    } finally {
      this.inflight = undefined;
    }
    if (this.stopped) return;
    if (ok) this.onSuccess();
    else this.onFailure(error);
    if (this.stopped) return;
    const interval = this.state === 'created' ? this.startIntervalMs : this.intervalMs;
    const delay = Math.max(0, interval - (this.clock.monotonic() - started));
    this.timer = this.clock.setTimer(delay, () => void this.runCheck());
  }

  private onSuccess(): void {
    this.downs = 0;
    this.ups++;
    if (this.state === 'created' || (this.state === 'down' && this.ups >= this.threshold)) this.become('up');
  }

  private onFailure(error: unknown): void {
    this.ups = 0;
    this.downs++;
    if (this.state === 'up' && this.downs >= this.threshold) this.become('down', error);
    else this.logger.debug({ err: error, status: this.state, failures: this.downs }, 'health check failed');
  }

  private become(status: 'up' | 'down', error?: unknown): void {
    this.state = status;
    const event: HealthEvent = status === 'down' ? { status, error } : { status };
    this.logger.info({ status, err: error }, `health: ${status}`);
    for (const fn of [...this.listeners]) {
      try {
        fn(event);
      } catch (err) {
        this.logger.error({ err }, 'health monitor listener threw');
      }
    }
  }
}
