/**
 * The leader's side of ReadIndex (Raft thesis §6.4): a read is linearizable
 * at the commit index the leader had when the read arrived, once the leader
 * has (a) committed an entry of its own term and (b) confirmed it is still
 * the leader: by a heartbeat round acknowledged by a quorum ('safe'), or by
 * its lease under check-quorum ('lease-based').
 */
import type { RaftMachine } from './raft-machine.js';
import { bcastHeartbeat } from './replication.js';
import type { LeaderRole } from './roles.js';
import { voteResult } from './quorum.js';
import type { Message } from './types.js';

/** Handles a read request (local, or forwarded by a follower) on the leader. */
export function leaderReadIndex(r: RaftMachine, role: LeaderRole, m: Message): void {
  // Only one voter (us): nobody else can be leader, answer right away.
  if (r.trk.voters.size === 1 && r.trk.isVoter(r.id)) {
    respondToReadIndex(r, m, r.log.committed);
    return;
  }
  // Until we commit an entry of our term, our commit index may be behind the
  // previous leader's: hold the request.
  if (!r.committedEntryInCurrentTerm()) {
    role.pendingReadIndex.push(m);
    return;
  }
  sendReadIndexResponse(r, role, m);
}

function sendReadIndexResponse(r: RaftMachine, role: LeaderRole, m: Message): void {
  const context = m.context ?? new Uint8Array(0);
  if (r.cfg.readOnlyOption === 'lease-based') {
    respondToReadIndex(r, m, r.log.committed);
    return;
  }
  role.readOnly.addRequest(r.log.committed, { ...m, context });
  // The leader acknowledges its own request, then asks everyone else.
  role.readOnly.recvAck(r.id, context);
  bcastHeartbeat(r, role, context);
}

/** A heartbeat response carried a read context: count it, answer the reads it confirms. */
export function leaderReadAck(r: RaftMachine, role: LeaderRole, m: Message): void {
  if (r.cfg.readOnlyOption !== 'safe' || !m.context || m.context.byteLength === 0) return;
  if (!role.readOnly.recvAck(m.from, m.context)) return;
  const released = role.readOnly.maybeAdvance(
    m.context,
    (acks) => voteResult(r.trk.voters, (id) => (acks.has(id) ? true : undefined)) === 'won',
  );
  for (const rs of released) respondToReadIndex(r, rs.req, rs.index);
}

/** After the first commit in this term: answer the reads held back until then. */
export function releasePendingReadIndex(r: RaftMachine, role: LeaderRole): void {
  if (role.pendingReadIndex.length === 0 || !r.committedEntryInCurrentTerm()) return;
  const held = role.pendingReadIndex;
  role.pendingReadIndex = [];
  for (const m of held) sendReadIndexResponse(r, role, m);
}

function respondToReadIndex(r: RaftMachine, req: Message, index: number): void {
  const context = req.context ?? new Uint8Array(0);
  if (req.from === r.id) {
    r.readStates.push({ index, context });
    return;
  }
  r.send({ type: 'read-index-resp', to: req.from, index, context });
}
