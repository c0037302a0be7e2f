/**
 * Message handling for pre-candidates and candidates (etcd `stepCandidate`).
 */
import type { PreCandidateRole, CandidateRole } from './roles.js';
import type { RaftMachine } from './raft-machine.js';
import { handleAppendEntries, handleHeartbeat, handleSnapshot } from './step-follower.js';
import type { Message } from './types.js';

export function stepCandidate(r: RaftMachine, role: PreCandidateRole | CandidateRole, m: Message): void {
  // Only responses to *this* campaign count: a candidate may still receive
  // pre-vote responses from its pre-candidacy in the same term.
  const myResp = role.kind === 'pre-candidate' ? 'pre-vote-resp' : 'vote-resp';
  switch (m.type) {
    case 'prop':
      r.info(`no leader at term ${r.term}; dropping proposal`);
      return;
    case 'app':
      // Someone won this term (m.term === r.term here).
      r.becomeFollower(m.term, m.from);
      handleAppendEntries(r, m);
      return;
    case 'heartbeat':
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case 'snap':
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return;
    case myResp: {
      const result = r.poll(m.from, m.type, !m.reject);
      if (result === 'won') {
        if (role.kind === 'pre-candidate') r.campaign('election');
        else r.becomeLeader();
      } else if (result === 'lost') {
        // A pre-vote response carries our future term; stay at ours.
        r.becomeFollower(r.term, '');
      }
      return;
    }
    case 'timeout-now':
      r.info(`ignored timeout-now from ${m.from} as ${role.kind}`);
      return;
    default:
      return;
  }
}
