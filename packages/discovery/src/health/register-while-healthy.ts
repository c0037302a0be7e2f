/**
 * Keeps an instance registered only while its health checks pass (reference
 * §1.9; the original's `health.Registration` plus containerinit's
 * `kill_down`/`start_timeout`):
 *
 * - a `HealthMonitor` runs the checks (all must pass);
 * - on `up` the instance is registered (a heartbeater is created; a failed
 *   registration is retried every second while still up); on `down` the
 *   heartbeater is closed, which deregisters it;
 * - with `killDown`, `onKill('down')` is called when it goes down, and
 *   `onKill('start_timeout')` when it has not come up within
 *   `startTimeoutMs` (default 10 s); after a kill the registration stops
 *   (monitor stopped, instance deregistered). `onKill` runs at most once.
 */
import { noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Timer } from '@flynn-ts/core';
import type { Heartbeater, RegisterOptions, ServiceDiscovery } from '../client/service-discovery.js';
import type { HealthCheck } from './health-check.js';
import { allChecks } from './health-check.js';
import type { HealthEvent, HealthMonitorOptions, HealthStatus } from './health-monitor.js';
import { HealthMonitor } from './health-monitor.js';

export type KillReason = 'down' | 'start_timeout';

export interface RegisterWhileHealthyOptions extends HealthMonitorOptions, Pick<RegisterOptions, 'proto' | 'heartbeatMs' | 'externalIp'> {
  meta?: Record<string, string>;
  /** Call `onKill` when the service goes down or does not come up in time. Default false. */
  killDown?: boolean;
  /** With `killDown`: how long the service may take to come up. Default 10 000 ms. */
  startTimeoutMs?: number;
  /** What "kill" means (e.g. SIGKILL the job). Called at most once. */
  onKill?: (reason: KillReason, error?: unknown) => void;
  /** Every up/down transition, after the registration reacted to it. */
  onChange?: (event: HealthEvent) => void;
  /** Delay between registration attempts while up. Default 1 000 ms. */
  registerRetryMs?: number;
  logger?: Logger;
}

export interface HealthRegistration {
  readonly status: HealthStatus;
  /** The live registration, while up and registered. */
  readonly heartbeater: Heartbeater | undefined;
  /** Replaces the instance meta (re-registers at once when registered). */
  setMeta(meta: Record<string, string>): Promise<void>;
  /** Stops the checks and deregisters. Idempotent. */
  close(): Promise<void>;
}

/** How long `close()` lets a registration in flight complete before aborting it. */
const CLOSE_ABORT_MS = 1_000;

export function registerWhileHealthy(
  client: Pick<ServiceDiscovery, 'register'>,
  service: string,
  addr: string,
  checks: HealthCheck | readonly HealthCheck[],
  options: RegisterWhileHealthyOptions = {},
): HealthRegistration {
  const r = new Registration(client, service, addr, Array.isArray(checks) ? allChecks(checks) : (checks as HealthCheck), options);
  r.start();
  return r;
}

class Registration implements HealthRegistration {
  private readonly monitor: HealthMonitor;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private hb: Heartbeater | undefined;
  /** Bumped on every transition: a registration started under an older generation is undone. */
  private generation = 0;
  private meta: Record<string, string> | undefined;
  private startTimer: Timer | undefined;
  private retryTimer: Timer | undefined;
  private killed = false;
  private closing: Promise<void> | undefined;
  /** Aborts a registration in flight when closing. */
  private readonly ctl = new AbortController();
  /** Registrations and deregistrations in flight (awaited by `close()`). */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly client: Pick<ServiceDiscovery, 'register'>,
    private readonly service: string,
    private readonly addr: string,
    check: HealthCheck,
    private readonly options: RegisterWhileHealthyOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? noopLogger).child({ service, addr });
    this.meta = options.meta;
    this.monitor = new HealthMonitor(check, { ...options, clock: this.clock, logger: this.logger });
  }

  get status(): HealthStatus {
    return this.monitor.status;
  }

  get heartbeater(): Heartbeater | undefined {
    return this.hb;
  }

  start(): void {
    this.monitor.onChange((e) => this.onChange(e));
    if (this.options.killDown) {
      this.startTimer = this.clock.setTimer(this.options.startTimeoutMs ?? 10_000, () => {
        if (this.monitor.status === 'created') this.kill('start_timeout');
      });
    }
    this.monitor.start();
  }

  async setMeta(meta: Record<string, string>): Promise<void> {
    this.meta = { ...meta };
    await this.hb?.setMeta(meta);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.monitor.stop();
      this.startTimer?.cancel();
      this.generation++;
      this.deregister();
      // A registration in flight may already have been applied by discoverd (its answer still on the
      // way): let it complete, so that it is undone (stale generation); abort it only when it does not
      // complete soon (discoverd unreachable). Aborting at once left such an instance registered.
      const abort = this.clock.setTimer(CLOSE_ABORT_MS, () => this.ctl.abort());
      try {
        // A registration that completes now is undone, which adds a close: loop.
        while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
      } finally {
        abort.cancel();
        this.ctl.abort();
      }
    })();
    return this.closing;
  }

  private onChange(e: HealthEvent): void {
    if (this.closing) return;
    this.generation++;
    if (e.status === 'up') {
      this.startTimer?.cancel();
      this.track(this.register(this.generation));
    } else {
      this.deregister();
      if (this.options.killDown) this.kill('down', e.error);
    }
    this.options.onChange?.(e);
  }

  private async register(generation: number): Promise<void> {
    this.retryTimer?.cancel();
    try {
      const hb = await this.client.register(this.service, this.addr, this.meta, this.registerOptions());
      if (generation !== this.generation || this.closing) {
        this.track(hb.close());
        return;
      }
      this.hb = hb;
    } catch (err) {
      if (generation !== this.generation || this.closing) return;
      this.logger.warn({ err }, 'health: registration failed; retrying');
      this.retryTimer = this.clock.setTimer(this.options.registerRetryMs ?? 1_000, () => this.track(this.register(generation)));
    }
  }

  private deregister(): void {
    this.retryTimer?.cancel();
    const hb = this.hb;
    this.hb = undefined;
    if (hb) this.track(hb.close());
  }

  private kill(reason: KillReason, error?: unknown): void {
    if (this.killed) return;
    this.killed = true;
    this.logger.warn({ reason, err: error }, 'health: killing');
    try {
      this.options.onKill?.(reason, error);
    } finally {
      void this.close();
    }
  }

  private track(p: Promise<unknown>): void {
    const q = p.catch((err: unknown) => this.logger.warn({ err }, 'health: registration change failed'));
    this.pending.add(q);
    void q.finally(() => this.pending.delete(q));
  }

  private registerOptions(): RegisterOptions {
    const o: RegisterOptions = { signal: this.ctl.signal };
    if (this.options.proto !== undefined) o.proto = this.options.proto;
    if (this.options.heartbeatMs !== undefined) o.heartbeatMs = this.options.heartbeatMs;
    if (this.options.externalIp !== undefined) o.externalIp = this.options.externalIp;
    return o;
  }
}
