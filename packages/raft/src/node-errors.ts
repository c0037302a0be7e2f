/**
 * Errors of the `RaftNode` driver. The core's refusals (`ProposalDroppedError`,
 * `NotLeaderError`, …) live in core/errors.ts.
 */
import { FlynnError } from '@flynn-ts/core';

/**
 * A proposal or read did not complete in time. The outcome of a timed-out
 * proposal is unknown: it may still be applied later.
 */
export class RaftTimeoutError extends FlynnError {
  constructor(what: string, ms: number) {
    super('FLYNN_RAFT_TIMEOUT', `raft: ${what} timed out after ${ms} ms (outcome unknown)`, {
      apiCode: 'service_unavailable',
      retry: true,
    });
    this.name = 'RaftTimeoutError';
  }
}

/** The node was stopped (or failed) while the operation was pending. */
export class RaftShutdownError extends FlynnError {
  constructor(cause?: unknown) {
    super('FLYNN_RAFT_SHUTDOWN', 'raft: node stopped', { apiCode: 'service_unavailable', retry: true, cause });
    this.name = 'RaftShutdownError';
  }
}
