/**
 * The node's role as a discriminated union, with the per-role state that only
 * makes sense in that role, and the per-role handler maps (STYLE §8). The
 * transitions are `becomeFollower/PreCandidate/Candidate/Leader` on
 * {@link RaftMachine}; DESIGN.md draws the diagram.
 */
import { ReadOnly } from './read-only.js';
import type { RaftMachine } from './raft-machine.js';
import { stepCandidate } from './step-candidate.js';
import { stepFollower } from './step-follower.js';
import { stepLeader } from './step-leader.js';
import type { Message, NodeId, RoleKind } from './types.js';

export interface FollowerRole {
  kind: 'follower';
}

export interface PreCandidateRole {
  kind: 'pre-candidate';
  /** Pre-votes received for term+1 (true = granted). */
  votes: Map<NodeId, boolean>;
}

export interface CandidateRole {
  kind: 'candidate';
  votes: Map<NodeId, boolean>;
}

export interface LeaderRole {
  kind: 'leader';
  heartbeatElapsed: number;
  /** Target of a leadership transfer in progress, or ''. Proposals are dropped meanwhile. */
  transferee: NodeId;
  /** Index of the newest conf-change entry this leader appended (or its last index at election). */
  pendingConfIndex: number;
  /** Payload bytes appended but not yet applied (for maxUncommittedEntriesSize). */
  uncommittedSize: number;
  readOnly: ReadOnly;
  /** ReadIndex requests held until this leader commits an entry of its own term. */
  pendingReadIndex: Message[];
}

export type Role = FollowerRole | PreCandidateRole | CandidateRole | LeaderRole;

export function newLeaderRole(pendingConfIndex: number): LeaderRole {
  return {
    kind: 'leader',
    heartbeatElapsed: 0,
    transferee: '',
    pendingConfIndex,
    uncommittedSize: 0,
    readOnly: new ReadOnly(),
    pendingReadIndex: [],
  };
}

type RoleOf<K extends RoleKind> = Extract<Role, { kind: K }>;
type StepHandler<K extends RoleKind> = (r: RaftMachine, role: RoleOf<K>, m: Message) => void;

/** Role-specific message handling, after the role-independent term and vote checks in `step.ts`. */
export const stepByRole: { [K in RoleKind]: StepHandler<K> } = {
  follower: stepFollower,
  'pre-candidate': stepCandidate,
  candidate: stepCandidate,
  leader: stepLeader,
};

export function dispatchStep(r: RaftMachine, m: Message): void {
  const role = r.role;
  (stepByRole[role.kind] as (r: RaftMachine, role: Role, m: Message) => void)(r, role, m);
}
