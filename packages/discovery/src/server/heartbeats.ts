/**
 * The leader's in-memory heartbeat table (reference §1.4). Heartbeats are not
 * replicated: a heartbeat of a known, unchanged instance only refreshes its
 * `lastSeen` here. The table is wiped whenever leadership changes, and
 * `leaderSince` tells `planExpiry` how long this node has been collecting.
 */
import { heartbeatKey } from '../core/expiry.js';

export class HeartbeatTable {
  private readonly seen = new Map<string, number>();
  private since: number | undefined;

  /** This node just became leader at `now`: start a fresh table. */
  becomeLeader(now: number): void {
    this.seen.clear();
    this.since = now;
  }

  /** This node is no longer leader: forget everything. */
  loseLeadership(): void {
    this.seen.clear();
    this.since = undefined;
  }

  /** Records a heartbeat; ignored when not leader. */
  touch(service: string, id: string, now: number): void {
    if (this.since !== undefined) this.seen.set(heartbeatKey(service, id), now);
  }

  /** Drops an instance that went down (removed or expired). */
  forget(service: string, id: string): void {
    this.seen.delete(heartbeatKey(service, id));
  }

  /** When this node became leader, or undefined when it is not leader. */
  get leaderSince(): number | undefined {
    return this.since;
  }

  get lastSeen(): ReadonlyMap<string, number> {
    return this.seen;
  }
}
