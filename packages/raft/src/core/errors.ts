/**
 * Typed, expected refusals of the raft core. Each has a stable
 * `FLYNN_RAFT_*` code (STYLE §7). Broken invariants are not here: they throw
 * `InvariantError` from `@flynn-ts/core` and must never be caught below the
 * daemon.
 */
import { FlynnError } from '@flynn-ts/core';
import type { NodeId } from './types.js';

/** Why a proposal (or a ReadIndex request) was not accepted. */
export type DropReason =
  | 'no-leader'
  | 'forwarding-disabled'
  | 'transfer-in-progress'
  | 'not-a-member'
  | 'uncommitted-size-limit'
  /** The driver refused to apply a forwarded copy that arrived after its dedup window had moved on. */
  | 'stale';

/**
 * A proposal was dropped: there is no leader to forward it to, forwarding is
 * disabled, a leadership transfer is in progress, the leader was removed from
 * the configuration, the uncommitted tail is over its size limit, or (reason
 * `stale`, from `RaftNode`) it reached the log only after its origin's dedup
 * window had moved past it, so it was not applied. Safe to retry (later, or on
 * another node). `leader` is the current leader if known.
 */
export class ProposalDroppedError extends FlynnError {
  readonly reason: DropReason;
  readonly leader: NodeId;
  constructor(reason: DropReason, leader: NodeId = '') {
    super('FLYNN_RAFT_PROPOSAL_DROPPED', `raft proposal dropped: ${reason}`, {
      apiCode: 'service_unavailable',
      retry: true,
      detail: { reason, leader },
    });
    this.name = 'ProposalDroppedError';
    this.reason = reason;
    this.leader = leader;
  }
}

/** A ReadIndex request was dropped because no leader is known. Safe to retry. */
export class ReadIndexDroppedError extends FlynnError {
  constructor() {
    super('FLYNN_RAFT_READ_INDEX_DROPPED', 'raft read-index dropped: no leader', {
      apiCode: 'service_unavailable',
      retry: true,
    });
    this.name = 'ReadIndexDroppedError';
  }
}

/** The operation must run on the leader. `leader` is the known leader, or ''. */
export class NotLeaderError extends FlynnError {
  readonly leader: NodeId;
  constructor(leader: NodeId, operation: string) {
    super('FLYNN_RAFT_NOT_LEADER', `raft: ${operation} must run on the leader (leader: ${leader || 'unknown'})`, {
      apiCode: 'service_unavailable',
      retry: true,
      detail: { leader },
    });
    this.name = 'NotLeaderError';
    this.leader = leader;
  }
}

/**
 * A membership change was proposed on the leader while an earlier one is not
 * yet applied. Only one change may be in flight; retry once it has applied.
 */
export class ConfChangePendingError extends FlynnError {
  readonly pendingIndex: number;
  readonly applied: number;
  constructor(pendingIndex: number, applied: number) {
    super('FLYNN_RAFT_CONF_CHANGE_PENDING', `raft: a conf change at index ${pendingIndex} is not applied yet (applied ${applied})`, {
      apiCode: 'conflict',
      retry: true,
      detail: { pendingIndex, applied },
    });
    this.name = 'ConfChangePendingError';
    this.pendingIndex = pendingIndex;
    this.applied = applied;
  }
}

/** A membership change that is not allowed (e.g. removing the last voter), or undecodable. */
export class ConfChangeInvalidError extends FlynnError {
  constructor(message: string) {
    super('FLYNN_RAFT_CONF_CHANGE_INVALID', `raft: invalid conf change: ${message}`, { apiCode: 'validation_error' });
    this.name = 'ConfChangeInvalidError';
  }
}

/** A leadership transfer to a node that cannot lead (unknown, a learner). */
export class TransferInvalidError extends FlynnError {
  readonly target: NodeId;
  constructor(target: NodeId, message: string) {
    super('FLYNN_RAFT_TRANSFER_INVALID', `raft: cannot transfer leadership to ${target}: ${message}`, {
      apiCode: 'validation_error',
      detail: { target },
    });
    this.name = 'TransferInvalidError';
    this.target = target;
  }
}

/** The core's configuration is invalid (thrown by the constructor). */
export class RaftConfigError extends FlynnError {
  constructor(field: string, message: string) {
    super('FLYNN_RAFT_CONFIG_INVALID', `raft config: ${field}: ${message}`, {
      apiCode: 'validation_error',
      detail: { field },
    });
    this.name = 'RaftConfigError';
  }
}
