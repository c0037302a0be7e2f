/**
 * The entry point for every incoming message (etcd `raft.Step`): first the
 * role-independent rules about terms and votes, then the role's handler from
 * `stepByRole`.
 *
 * Term rules (Raft §5.1, thesis §9.6 and §4.2.3):
 * - a higher term makes us a follower, except that a pre-vote never changes
 *   our term, and a vote (or pre-vote) is ignored altogether while we believe
 *   a leader is alive (check-quorum lease), unless it is a leadership
 *   transfer campaign;
 * - a lower term is ignored, but a stale leader's append/heartbeat gets an
 *   answer at our term (so it steps down) and a stale pre-vote is rejected.
 */
import { dispatchStep } from './roles.js';
import { TRANSFER_CONTEXT } from './raft-machine.js';
import type { RaftMachine } from './raft-machine.js';
import type { Message } from './types.js';

export function stepMessage(r: RaftMachine, m: Message): void {
  if (m.term === 0) {
    // Forwarded proposals and read requests carry no term.
    if (m.type !== 'prop' && m.type !== 'read-index') {
      r.logger.warn({ raft: r.id, type: m.type, from: m.from }, 'ignoring a message without a term');
      return;
    }
  } else if (m.term > r.term) {
    if (!stepHigherTerm(r, m)) return;
  } else if (m.term < r.term) {
    stepLowerTerm(r, m);
    return;
  }

  switch (m.type) {
    case 'vote':
    case 'pre-vote':
      handleVoteRequest(r, m);
      return;
    default:
      dispatchStep(r, m);
  }
}

/** Returns false if the message is to be ignored. */
function stepHigherTerm(r: RaftMachine, m: Message): boolean {
  if (m.type === 'vote' || m.type === 'pre-vote') {
    const force = isTransferContext(m.context);
    const inLease = r.cfg.checkQuorum && r.lead !== '' && r.electionElapsed < r.cfg.electionTick;
    if (!force && inLease) {
      // Thesis §4.2.3: a server that heard from a leader within the minimum
      // election timeout neither updates its term nor grants a vote.
      r.info(
        `[logterm: ${r.log.lastTerm()}, index: ${r.log.lastIndex()}, vote: ${r.vote || '-'}] ignored ${m.type} from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${r.term}: lease is not expired (remaining ticks: ${r.cfg.electionTick - r.electionElapsed})`,
      );
      return false;
    }
  }
  if (m.type === 'pre-vote') return true; // never change our term for a pre-vote
  if (m.type === 'pre-vote-resp' && !m.reject) return true; // granted pre-votes carry our future term
  r.info(`[term: ${r.term}] received a ${m.type} message with higher term from ${m.from} [term: ${m.term}]`);
  const fromLeader = m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap';
  r.becomeFollower(m.term, fromLeader ? m.from : '');
  return true;
}

function stepLowerTerm(r: RaftMachine, m: Message): void {
  if ((r.cfg.checkQuorum || r.cfg.preVote) && (m.type === 'heartbeat' || m.type === 'app')) {
    // A leader from an older term: with check-quorum or pre-vote our term
    // would otherwise never reach it (our votes get ignored), so tell it.
    r.send({ type: 'app-resp', to: m.from });
    return;
  }
  if (m.type === 'pre-vote') {
    r.info(`[logterm: ${r.log.lastTerm()}, index: ${r.log.lastIndex()}, vote: ${r.vote || '-'}] rejected pre-vote from ${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${r.term}`);
    r.send({ type: 'pre-vote-resp', to: m.from, term: r.term, reject: true });
    return;
  }
  r.info(`[term: ${r.term}] ignored a ${m.type} message with lower term from ${m.from} [term: ${m.term}]`);
}

/**
 * Raft §5.2/§5.4.1: grant at most one vote per term, and only to a candidate
 * whose log is at least as up to date as ours. Pre-votes for a future term
 * are granted on the log check alone and change nothing here.
 */
function handleVoteRequest(r: RaftMachine, m: Message): void {
  const canVote =
    r.vote === m.from || // a repeat of the vote we cast
    (r.vote === '' && r.lead === '') || // not voted and no known leader this term
    (m.type === 'pre-vote' && m.term > r.term); // a pre-vote for a future term
  const respType = m.type === 'vote' ? 'vote-resp' : 'pre-vote-resp';
  const ours = `[logterm: ${r.log.lastTerm()}, index: ${r.log.lastIndex()}, vote: ${r.vote || '-'}]`;
  const theirs = `${m.from} [logterm: ${m.logTerm}, index: ${m.index}] at term ${r.term}`;
  if (canVote && r.log.isUpToDate(m.index, m.logTerm)) {
    // Learners vote too: a promoted learner may not know it yet (etcd #7625).
    r.info(`${ours} cast ${m.type} for ${theirs}`);
    // Answer with the request's term: for a pre-vote that is our term + 1,
    // which the pre-candidate would otherwise ignore as stale.
    r.send({ type: respType, to: m.from, term: m.term });
    if (m.type === 'vote') {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
    return;
  }
  r.info(`${ours} rejected ${m.type} from ${theirs}`);
  // A node that never saw a term (a fresh joiner) has no term to reject with;
  // its silence counts as a missing vote.
  if (r.term > 0) r.send({ type: respType, to: m.from, term: r.term, reject: true });
}

function isTransferContext(ctx: Uint8Array | undefined): boolean {
  if (!ctx || ctx.byteLength !== TRANSFER_CONTEXT.byteLength) return false;
  return ctx.every((b, i) => b === TRANSFER_CONTEXT[i]);
}
