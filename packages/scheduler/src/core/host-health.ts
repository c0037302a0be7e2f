/**
 * Host failure detection (reference §6.4) as a pure tracker. A host whose
 * `flynn-host` instance leaves discovery (or whose status check fails) is
 * `unhealthy`: it keeps its jobs but gets no new ones, and the driver polls
 * its status (every second in the original). After `maxFailedChecks`
 * consecutive failed polls (10) it is `down`: the planner reports its jobs
 * `lost` and places replacements elsewhere. Any sign of life (the instance
 * back in discovery, a successful poll) makes it `up` again.
 *
 *     (new) ──seen──> up ──missing / failed check──> unhealthy ──N failed checks──> down
 *                      ^                                 │                           │
 *                      └───────seen / ok check───────────┴──────────seen─────────────┘
 */
import type { HostHealth } from './model.js';

export const DEFAULT_MAX_FAILED_CHECKS = 10;

export type HostObservation =
  /** The host is in discovery (an `up` event, or present in a listing), or answered. */
  | { kind: 'seen'; hostId: string }
  /** The host's instance left discovery. */
  | { kind: 'missing'; hostId: string }
  /** The result of polling the host's status. */
  | { kind: 'check'; hostId: string; ok: boolean }
  /** Stop tracking the host (it was removed for good). */
  | { kind: 'forget'; hostId: string };

export type HostHealthEvent =
  | { kind: 'host-up'; hostId: string }
  | { kind: 'host-unhealthy'; hostId: string }
  | { kind: 'host-recovered'; hostId: string }
  | { kind: 'host-down'; hostId: string; failedChecks: number };

export interface HostHealthEntry {
  health: HostHealth;
  /** Consecutive failed checks while unhealthy. */
  failedChecks: number;
}

export interface HostHealthOptions {
  /** Consecutive failed checks after which an unhealthy host is down. Default 10. */
  maxFailedChecks?: number;
}

export class HostHealthTracker {
  private readonly entries = new Map<string, HostHealthEntry>();
  private readonly maxFailedChecks: number;

  constructor(options: HostHealthOptions = {}) {
    this.maxFailedChecks = Math.max(1, options.maxFailedChecks ?? DEFAULT_MAX_FAILED_CHECKS);
  }

  /** Applies one observation; returns the transitions it caused (none if nothing changed). */
  observe(o: HostObservation): HostHealthEvent[] {
    const e = this.entries.get(o.hostId);
    switch (o.kind) {
      case 'forget':
        this.entries.delete(o.hostId);
        return [];
      case 'seen':
        return this.becomeUp(o.hostId, e);
      case 'missing':
        return e?.health === 'up' ? this.becomeUnhealthy(o.hostId, 0) : [];
      case 'check':
        if (o.ok) return this.becomeUp(o.hostId, e);
        if (e === undefined || e.health === 'down') return [];
        if (e.health === 'up') return this.becomeUnhealthy(o.hostId, 1);
        return this.failCheck(o.hostId, e);
    }
  }

  /** A host's health; `undefined` for a host never seen (or forgotten). */
  health(hostId: string): HostHealth | undefined {
    return this.entries.get(hostId)?.health;
  }

  /** The hosts to poll: the unhealthy ones. */
  needsCheck(): string[] {
    return [...this.entries].filter(([, e]) => e.health === 'unhealthy').map(([id]) => id);
  }

  /** A copy of every tracked host's entry. */
  snapshot(): Record<string, HostHealthEntry> {
    const out: Record<string, HostHealthEntry> = {};
    for (const [id, e] of this.entries) out[id] = { ...e };
    return out;
  }

  private becomeUp(hostId: string, e: HostHealthEntry | undefined): HostHealthEvent[] {
    this.entries.set(hostId, { health: 'up', failedChecks: 0 });
    if (e === undefined || e.health === 'down') return [{ kind: 'host-up', hostId }];
    if (e.health === 'unhealthy') return [{ kind: 'host-recovered', hostId }];
    return [];
  }

  private becomeUnhealthy(hostId: string, failedChecks: number): HostHealthEvent[] {
    this.entries.set(hostId, { health: 'unhealthy', failedChecks: 0 });
    const events: HostHealthEvent[] = [{ kind: 'host-unhealthy', hostId }];
    if (failedChecks > 0) events.push(...this.failCheck(hostId, this.entries.get(hostId)!));
    return events;
  }

  private failCheck(hostId: string, e: HostHealthEntry): HostHealthEvent[] {
    const failedChecks = e.failedChecks + 1;
    if (failedChecks >= this.maxFailedChecks) {
      this.entries.set(hostId, { health: 'down', failedChecks });
      return [{ kind: 'host-down', hostId, failedChecks }];
    }
    this.entries.set(hostId, { health: 'unhealthy', failedChecks });
    return [];
  }
}
