/** Maps the raft driver's refusals onto the store's wire errors. */
import { FlynnError } from '@flynn-ts/core';
import { noKnownLeader } from '../core/errors.js';

/**
 * Lost leadership while the call was queued: a `NotLeaderError` without a
 * leader, or a drop for want of one, is the original's 503 "no known leader"
 * (a redirect needs somewhere to go). Everything else passes through.
 */
export function raftError(err: unknown): never {
  if (FlynnError.is(err)) {
    const leader = (err.detail as { leader?: unknown } | undefined)?.leader;
    if ((err.code === 'FLYNN_RAFT_NOT_LEADER' || err.code === 'FLYNN_RAFT_PROPOSAL_DROPPED') && leader === '') throw noKnownLeader();
  }
  throw err;
}
