/**
 * Runs `reconcile` against the kernel: one pass at a time, coalescing
 * requests that arrive during a pass into one more pass. After each pass it
 * arms a timer for the next lease expiry (an expiry is not an event in
 * discovery, so nobody else would say "now"; the timer first calls
 * `refresh` to confirm the view), and after a failed op a retry with backoff.
 *
 * Expiry is judged as of `asOf`: the time up to which the caller knows its
 * copy of the leases is current. A lease that expired after that is kept,
 * since it may well have been renewed where we cannot see.
 */
import { backoffDelay, publish } from '@flynn-ts/core';
import type { BackoffOptions, Clock, Logger, Random, Timer } from '@flynn-ts/core';
import { liveLeases, nextExpiry } from './core/lease.js';
import type { Lease } from './core/lease.js';
import { describeOp, peersOf, reconcile } from './core/reconcile.js';
import type { NetlinkOp, SelfInfo } from './core/reconcile.js';
import { flannelChannels } from './channels.js';
import type { OverlayKernel } from './overlay-kernel.js';

export interface ReconcilerOptions {
  kernel: OverlayKernel;
  /** The VXLAN device name. */
  device: string;
  clock: Clock;
  random: Random;
  logger: Logger;
  backoff: BackoffOptions;
  /**
   * The leases (expired ones included: the pass filters them), the local
   * host, and the time up to which the leases are known to be current
   * (default: now). Read at each pass.
   */
  desired: () => { leases: readonly Lease[]; self: SelfInfo; asOf?: number };
  /** Called when a lease falls due, before the pass: re-read the leases (errors are ignored). */
  refresh?: () => Promise<void>;
}

/** What one pass did, as published on `flynn:flannel:reconcile`. */
export interface ReconcileReport {
  device: string;
  peers: number;
  ops: NetlinkOp[];
  failed: number;
}

export class Reconciler {
  private running: Promise<void> | undefined;
  private dirty = false;
  private stopped = false;
  private failures = 0;
  private expiryTimer: Timer | undefined;
  private retryTimer: Timer | undefined;

  constructor(private readonly options: ReconcilerOptions) {}

  /** Runs a pass (or one more, if one is running); resolves when it is done. Never rejects. */
  run(): Promise<void> {
    this.dirty = true;
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Asks for a pass without waiting for it. */
  request(): void {
    if (!this.stopped) void this.run();
  }

  /** Resolves when no pass is running. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** No more passes or timers; a running pass finishes. */
  stop(): void {
    this.stopped = true;
    this.expiryTimer?.cancel();
    this.retryTimer?.cancel();
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      await this.pass();
    }
  }

  private async pass(): Promise<void> {
    const { kernel, device, clock, logger } = this.options;
    const { leases, self, asOf } = this.options.desired();
    const now = clock.now();
    const live = liveLeases(leases, Math.min(now, asOf ?? now));
    let ops: NetlinkOp[] = [];
    let failed = 0;
    try {
      const current = await kernel.readState(device);
      ops = reconcile(live, self, current);
      for (const op of ops) {
        try {
          await kernel.apply(device, op);
        } catch (err) {
          failed++;
          logger.warn({ err, op: describeOp(op), device }, 'netlink op failed');
        }
      }
    } catch (err) {
      failed++;
      logger.warn({ err, device }, 'reading the kernel state failed');
    }
    const peers = peersOf(live, self).length;
    if (ops.length > 0) logger.info({ device, peers, ops: ops.map(describeOp), failed }, 'overlay reconciled');
    const report: ReconcileReport = { device, peers, ops, failed };
    publish(flannelChannels.reconcile, report);
    this.armExpiry(leases);
    this.armRetry(failed > 0);
  }

  private armExpiry(leases: readonly Lease[]): void {
    this.expiryTimer?.cancel();
    this.expiryTimer = undefined;
    if (this.stopped) return;
    const now = this.options.clock.now();
    const next = nextExpiry(leases, now);
    // Capped at setTimeout's limit: a far-off expiry just means an early, empty pass.
    if (next !== undefined) this.expiryTimer = this.options.clock.setTimer(Math.min(next - now, 2 ** 31 - 1), () => void this.fallDue());
  }

  private async fallDue(): Promise<void> {
    await this.options.refresh?.().catch(() => {});
    this.request();
  }

  private armRetry(failed: boolean): void {
    this.retryTimer?.cancel();
    this.retryTimer = undefined;
    if (!failed) {
      this.failures = 0;
      return;
    }
    if (this.stopped) return;
    const delay = backoffDelay(this.failures++, this.options.random, this.options.backoff);
    this.retryTimer = this.options.clock.setTimer(delay, () => this.request());
  }
}
