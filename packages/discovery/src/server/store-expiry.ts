/**
 * The leader's expiry loop: every `intervalMs` it plans with `planExpiry`
 * and, if anything is due, proposes one `expire-instances` command. At most
 * one such proposal is in flight. Followers and new leaders (first 2×TTL)
 * plan nothing.
 */
import type { Clock, Logger, Timer } from '@flynn-ts/core';
import type { InstanceRef } from '../core/commands.js';
import { planExpiry } from '../core/expiry.js';
import type { DiscoveryState } from '../core/state.js';
import type { HeartbeatTable } from './heartbeats.js';

export interface ExpiryLoopOptions {
  clock: Clock;
  ttlMs: number;
  intervalMs: number;
  heartbeats: HeartbeatTable;
  state: () => DiscoveryState;
  /** Proposes the expiry; rejects on failure. */
  expire: (instances: InstanceRef[]) => Promise<void>;
  logger: Logger;
}

export class ExpiryLoop {
  private timer: Timer | undefined;
  private inFlight = false;

  constructor(private readonly o: ExpiryLoopOptions) {}

  start(): void {
    this.timer ??= this.o.clock.every(this.o.intervalMs, () => void this.check());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** One check; resolves with the number of instances expired (0 when not leader, waiting, or nothing due). */
  async check(): Promise<number> {
    const since = this.o.heartbeats.leaderSince;
    if (since === undefined || this.inFlight) return 0;
    const plan = planExpiry(this.o.state(), this.o.heartbeats.lastSeen, this.o.clock.monotonic(), this.o.ttlMs, since);
    if (plan.length === 0) return 0;
    this.inFlight = true;
    try {
      await this.o.expire(plan);
      this.o.logger.info({ instances: plan }, 'expired instances');
      return plan.length;
    } catch (err) {
      this.o.logger.warn({ err, count: plan.length }, 'expiry proposal failed');
      return 0;
    } finally {
      this.inFlight = false;
    }
  }
}
