/**
 * Message handling for the leader (etcd `stepLeader`): proposals, reads,
 * append and heartbeat responses (flow control, fast backtracking, commit),
 * and the leader-only reports (snapshot status, unreachable, transfer).
 */
import { leaderPropose } from './propose.js';
import type { Progress } from './progress.js';
import type { RaftMachine } from './raft-machine.js';
import { leaderReadAck, leaderReadIndex, releasePendingReadIndex } from './read-index.js';
import { bcastAppend, maybeSendAppend, sendAppend, sendTimeoutNow } from './replication.js';
import type { LeaderRole } from './roles.js';
import { TransferInvalidError } from './errors.js';
import type { Message, NodeId } from './types.js';

export function stepLeader(r: RaftMachine, role: LeaderRole, m: Message): void {
  // These need no progress for the sender.
  switch (m.type) {
    case 'prop':
      // A proposal forwarded by a follower: failures are silent (the
      // follower's caller times out), as with any lost message.
      leaderPropose(r, role, m.entries, false);
      return;
    case 'read-index':
      leaderReadIndex(r, role, m);
      return;
  }
  const pr = r.trk.progress.get(m.from);
  if (!pr) {
    r.logger.debug({ raft: r.id, from: m.from, type: m.type }, 'no progress for sender');
    return;
  }
  switch (m.type) {
    case 'app-resp':
      pr.recentActive = true;
      if (m.reject) handleAppendReject(r, pr, m);
      else handleAppendAck(r, role, pr, m);
      return;
    case 'heartbeat-resp':
      pr.recentActive = true;
      pr.msgAppFlowPaused = false;
      // Also restarts a stalled pipeline (all inflight appends lost) and moves a
      // caught-up follower in probe state back to replicate.
      if (pr.match < r.log.lastIndex() || pr.state === 'probe') sendAppend(r, m.from);
      leaderReadAck(r, role, m);
      return;
    default:
      return;
  }
}

function handleAppendReject(r: RaftMachine, pr: Progress, m: Message): void {
  // rejectHint is the follower's guess of the last matching index and logTerm
  // its term there. Skip every index where our term is higher than that term:
  // they cannot match (terms only grow along a log). At most one probe per term.
  let nextProbe = m.rejectHint;
  if (m.logTerm > 0) nextProbe = r.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
  if (pr.maybeDecrTo(m.index, nextProbe)) {
    if (pr.state === 'replicate') pr.becomeProbe();
    sendAppend(r, m.from);
  }
}

function handleAppendAck(r: RaftMachine, role: LeaderRole, pr: Progress, m: Message): void {
  if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === 'probe')) return;
  if (pr.state === 'probe') {
    pr.becomeReplicate();
  } else if (pr.state === 'snapshot' && pr.match + 1 >= r.log.firstIndex()) {
    // Caught up by the snapshot (or otherwise): replicate from the log again.
    r.logger.debug({ raft: r.id, to: m.from }, 'recovered from needing snapshot');
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === 'replicate') {
    pr.inflights.freeLE(m.index);
  }
  if (r.maybeCommit()) {
    releasePendingReadIndex(r, role);
    bcastAppend(r);
  } else if (pr.canBumpCommit(r.log.committed)) {
    sendAppend(r, m.from);
  }
  // The window may have opened for several messages at once.
  while (maybeSendAppend(r, m.from, false)) {
    /* keep filling the window */
  }
  if (m.from === role.transferee && pr.match === r.log.lastIndex()) {
    r.info(`sent timeout-now to ${m.from} after it caught up`);
    sendTimeoutNow(r, m.from);
  }
}

/** The transport finished (ok) or gave up sending a snapshot to `to`. */
export function leaderReportSnapshot(r: RaftMachine, to: NodeId, ok: boolean): void {
  const pr = r.trk.progress.get(to);
  if (!pr || pr.state !== 'snapshot') return;
  // On failure forget the snapshot first, or we would probe from its index.
  if (!ok) pr.pendingSnapshot = 0;
  pr.becomeProbe();
  // Wait for the follower's append response (or the next heartbeat) before
  // sending again.
  pr.msgAppFlowPaused = true;
  r.logger.debug({ raft: r.id, to, ok }, 'snapshot status reported');
}

/** Sending to `to` failed: optimistic replication probably lost messages, fall back to probing. */
export function leaderReportUnreachable(r: RaftMachine, to: NodeId): void {
  const pr = r.trk.progress.get(to);
  if (pr && pr.state === 'replicate') pr.becomeProbe();
}

/**
 * Starts handing leadership to `to` (thesis §3.10): stop accepting proposals,
 * bring `to` up to date, then tell it to campaign now. Abandoned after an
 * election timeout (see `tickHeartbeat`).
 */
export function leaderTransfer(r: RaftMachine, role: LeaderRole, to: NodeId): void {
  const pr = r.trk.progress.get(to);
  if (!pr) throw new TransferInvalidError(to, 'not a member');
  if (pr.isLearner) throw new TransferInvalidError(to, 'a learner cannot lead');
  if (role.transferee !== '') {
    if (role.transferee === to) {
      r.info(`transfer leadership to ${to} is in progress, ignores request to same node ${to}`);
      return;
    }
    r.abortLeaderTransfer(role);
  }
  if (to === r.id) return; // cancels a transfer in progress, if any
  r.info(`starts to transfer leadership to ${to}`);
  r.electionElapsed = 0;
  role.transferee = to;
  if (pr.match === r.log.lastIndex()) {
    r.info(`sends timeout-now to ${to} immediately as ${to} already has up-to-date log`);
    sendTimeoutNow(r, to);
  } else {
    sendAppend(r, to);
  }
}
