/**
 * The leader's outgoing replication: appends (batched by `maxSizePerMsg`,
 * pipelined and throttled by each follower's {@link Progress}), snapshots for
 * followers that need compacted entries, and heartbeats.
 */
import { payloadSize } from './raft-log.js';
import type { Progress } from './progress.js';
import type { RaftMachine } from './raft-machine.js';
import type { LeaderRole } from './roles.js';
import type { NodeId } from './types.js';

/** Sends an append (possibly empty, to carry the commit index) to `to`, unless throttled. */
export function sendAppend(r: RaftMachine, to: NodeId): boolean {
  return maybeSendAppend(r, to, true);
}

/**
 * Sends one append with the entries `to` needs, if its progress allows.
 * Without entries to send, sends only if `sendIfEmpty`. Returns true if a
 * message was sent (or a snapshot was started).
 */
export function maybeSendAppend(r: RaftMachine, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.trk.progress.get(to);
  if (!pr || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  if (prevTerm === undefined) {
    // The entries the follower needs were compacted: it needs a snapshot.
    return maybeSendSnapshot(r, to, pr);
  }
  // In a full replicate window only empty appends go out, so a window whose
  // messages were all lost still gets acked (or rejected) and drains.
  const canSendEntries = pr.state !== 'replicate' || !pr.inflights.full();
  const last = r.log.lastIndex();
  const entries = canSendEntries && pr.next <= last ? r.log.slice(pr.next, last + 1, r.cfg.maxSizePerMsg) : [];
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send({ type: 'app', to, index: prevIndex, logTerm: prevTerm, entries, commit: r.log.committed });
  pr.sentEntries(entries.length, payloadSize(entries));
  pr.sentCommit = r.log.committed;
  return true;
}

function maybeSendSnapshot(r: RaftMachine, to: NodeId, pr: Progress): boolean {
  if (!pr.recentActive) {
    r.logger.debug({ raft: r.id, to }, 'not sending snapshot to an inactive follower');
    return false;
  }
  const snapshot = r.snapshotForFollower();
  if (!snapshot) {
    r.logger.debug({ raft: r.id, to }, 'snapshot temporarily unavailable');
    return false;
  }
  const compacted = r.log.compactedTo();
  if (snapshot.meta.index < compacted.index) {
    // A snapshot older than our compaction point cannot catch the follower
    // up: it would need the compacted entries again. Wait for a newer one.
    r.logger.warn({ raft: r.id, to, snapshot: snapshot.meta.index, compacted: compacted.index }, 'snapshot source is older than the compacted log');
    return false;
  }
  r.info(`[firstindex: ${r.log.firstIndex()}, commit: ${r.log.committed}] sent snapshot[index: ${snapshot.meta.index}, term: ${snapshot.meta.term}] to ${to}`);
  pr.becomeSnapshot(snapshot.meta.index);
  r.send({ type: 'snap', to, snapshot });
  return true;
}

/** Appends to every other member that needs them (or just the commit index). */
export function bcastAppend(r: RaftMachine): void {
  for (const id of r.trk.members()) if (id !== r.id) sendAppend(r, id);
}

/**
 * Heartbeats to every other member, carrying `min(match, commit)` (a follower
 * must never learn a commit index beyond what it is known to hold) and the
 * newest pending read context.
 */
export function bcastHeartbeat(r: RaftMachine, role: LeaderRole, context?: Uint8Array): void {
  const ctx = context ?? role.readOnly.lastPendingContext();
  for (const id of r.trk.members()) {
    if (id === r.id) continue;
    const pr = r.trk.progress.get(id)!;
    const commit = Math.min(pr.match, r.log.committed);
    if (ctx) r.send({ type: 'heartbeat', to: id, commit, context: ctx });
    else r.send({ type: 'heartbeat', to: id, commit });
    pr.sentCommit = commit;
  }
}

export function sendTimeoutNow(r: RaftMachine, to: NodeId): void {
  r.send({ type: 'timeout-now', to });
}
