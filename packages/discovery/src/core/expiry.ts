/**
 * Instance expiry (reference §1.4): which instances the leader should expire.
 *
 * Heartbeats are not replicated: only the raft leader sees them, and keeps a
 * `lastSeen` time per instance in memory. A newly elected leader has no such
 * history, so it expires nothing during its first 2×TTL; after that, an
 * instance with no heartbeat within the last TTL (or none at all since this
 * node became leader) is expired.
 */
import type { InstanceRef } from './commands.js';
import type { DiscoveryState } from './state.js';
import { instancesOf, serviceNames } from './state.js';

/** The key of an instance in a `lastSeen` map. Service names cannot contain NUL. */
export function heartbeatKey(service: string, id: string): string {
  return `${service}\u0000${id}`;
}

/**
 * The instances to expire at `now`, in service-name then index order, or
 * none while `now - leaderSince < 2 × ttlMs`. Times are milliseconds on one
 * clock; `lastSeen` is keyed by {@link heartbeatKey}. An instance is kept
 * while `now - lastSeen <= ttlMs` (the original's `time.Since(t) <= TTL`).
 */
export function planExpiry(
  state: DiscoveryState,
  lastSeen: ReadonlyMap<string, number>,
  now: number,
  ttlMs: number,
  leaderSince: number,
): InstanceRef[] {
  if (now - leaderSince < 2 * ttlMs) return [];
  const out: InstanceRef[] = [];
  for (const service of serviceNames(state)) {
    for (const inst of instancesOf(state.services.get(service)!)) {
      const seen = lastSeen.get(heartbeatKey(service, inst.id));
      if (seen === undefined || now - seen > ttlMs) out.push({ service, id: inst.id });
    }
  }
  return out;
}
