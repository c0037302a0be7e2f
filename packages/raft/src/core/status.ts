/**
 * A read-only snapshot of a core's state, for operators, tests and drivers.
 * Plain data (JSON-serialisable).
 */
import type { ProgressState } from './progress.js';
import type { RaftMachine } from './raft-machine.js';
import type { ConfState, NodeId, RoleKind } from './types.js';

export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  /** In snapshot state: the index of the snapshot being sent (else 0). */
  pendingSnapshot: number;
  recentActive: boolean;
  /** Appends to this follower are held back (probe sent, window full, or sending a snapshot). */
  paused: boolean;
  /** Append messages in flight (replicate state). */
  inflight: number;
  /** Payload bytes in flight. */
  inflightBytes: number;
  isLearner: boolean;
}

export interface RaftStatus {
  id: NodeId;
  term: number;
  vote: NodeId;
  role: RoleKind;
  /** The known leader, or ''. */
  leader: NodeId;
  commit: number;
  applied: number;
  firstIndex: number;
  lastIndex: number;
  conf: ConfState;
  /** Leaders only: every member's replication progress (the leader's own included). */
  progress?: Record<NodeId, ProgressStatus>;
  /** Leaders only: the target of a leadership transfer in progress. */
  transferee?: NodeId;
}

export function statusOf(r: RaftMachine): RaftStatus {
  const s: RaftStatus = {
    id: r.id,
    term: r.term,
    vote: r.vote,
    role: r.role.kind,
    leader: r.lead,
    commit: r.log.committed,
    applied: r.log.applied,
    firstIndex: r.log.firstIndex(),
    lastIndex: r.log.lastIndex(),
    conf: r.trk.conf(),
  };
  if (r.role.kind === 'leader') {
    const progress: Record<NodeId, ProgressStatus> = {};
    for (const id of r.trk.members()) {
      const pr = r.trk.progress.get(id)!;
      progress[id] = {
        match: pr.match,
        next: pr.next,
        state: pr.state,
        pendingSnapshot: pr.pendingSnapshot,
        recentActive: pr.recentActive,
        paused: pr.isPaused(),
        inflight: pr.inflights.count(),
        inflightBytes: pr.inflights.bytes(),
        isLearner: pr.isLearner,
      };
    }
    s.progress = progress;
    if (r.role.transferee !== '') s.transferee = r.role.transferee;
  }
  return s;
}
