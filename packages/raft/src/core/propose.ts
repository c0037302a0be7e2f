/**
 * Proposals: appended by the leader, forwarded by followers, dropped
 * otherwise. Membership changes are limited to one in flight:
 *
 * - proposed locally on the leader (`RaftCore.proposeConfChange`), a second
 *   change while one is unapplied throws {@link ConfChangePendingError}, and
 *   an invalid one throws {@link ConfChangeInvalidError};
 * - forwarded from a follower (a 'prop' message), the leader cannot answer,
 *   so, as etcd does, it replaces such a change with an empty normal entry: it
 *   still commits (the proposer sees its entry applied as a no-op).
 */
import { ConfChangeInvalidError, ConfChangePendingError, ProposalDroppedError } from './errors.js';
import type { DropReason } from './errors.js';
import { decodeConfChange, validateConfChange } from './conf-change.js';
import type { RaftMachine } from './raft-machine.js';
import { bcastAppend } from './replication.js';
import type { LeaderRole } from './roles.js';
import type { Entry } from './types.js';

/** Where a locally proposed entry went: appended at (index, term) by us as leader, or forwarded. */
export type ProposalResult = { index: number; term: number } | { forwardedTo: string };

/** Proposes `entries` from this node's own caller; throws a typed error if dropped. */
export function proposeLocal(r: RaftMachine, entries: Entry[]): ProposalResult {
  const role = r.role;
  switch (role.kind) {
    case 'leader': {
      const res = leaderPropose(r, role, entries, true);
      if (typeof res === 'string') throw new ProposalDroppedError(res, r.lead);
      return res;
    }
    case 'follower':
      if (r.lead === '') throw new ProposalDroppedError('no-leader');
      if (r.cfg.disableProposalForwarding) throw new ProposalDroppedError('forwarding-disabled', r.lead);
      r.send({ type: 'prop', to: r.lead, entries });
      return { forwardedTo: r.lead };
    case 'pre-candidate':
    case 'candidate':
      throw new ProposalDroppedError('no-leader');
  }
}

/**
 * Appends proposed entries as leader and replicates them. Returns where the
 * first entry landed, or why the proposal was dropped. With `local`, an
 * unacceptable conf change throws instead of becoming an empty entry.
 */
export function leaderPropose(
  r: RaftMachine,
  role: LeaderRole,
  entries: readonly Entry[],
  local: boolean,
): { index: number; term: number } | DropReason {
  if (entries.length === 0) return { index: r.log.lastIndex(), term: r.term };
  if (!r.trk.isMember(r.id)) return 'not-a-member';
  if (role.transferee !== '') {
    r.logger.debug({ raft: r.id, transferee: role.transferee }, 'transfer leadership in progress; dropping proposal');
    return 'transfer-in-progress';
  }
  const first = r.log.lastIndex() + 1;
  let pending = role.pendingConfIndex;
  const ents = entries.map((e, i) => {
    const entry = checkConfChange(r, pending, e, first + i, local);
    // A second change in the same batch is refused too.
    if (entry.type === 'conf-change') pending = entry.index;
    return entry;
  });
  if (!r.appendEntries(role, ents)) return 'uncommitted-size-limit';
  role.pendingConfIndex = pending;
  bcastAppend(r);
  return { index: first, term: r.term };
}

/** Returns the entry to append at `index` (a refused conf change becomes an empty normal entry). */
function checkConfChange(r: RaftMachine, pendingConfIndex: number, e: Entry, index: number, local: boolean): Entry {
  const entry: Entry = { term: r.term, index, type: e.type, data: e.data };
  if (e.type !== 'conf-change') return entry;
  const problem = confChangeProblem(r, pendingConfIndex, e);
  if (problem === undefined) return entry;
  if (local) throw problem;
  r.info(`ignoring conf change at index ${index}: ${problem.message}; appending an empty entry instead`);
  return { term: r.term, index, type: 'normal', data: new Uint8Array(0) };
}

function confChangeProblem(r: RaftMachine, pendingConfIndex: number, e: Entry): Error | undefined {
  if (pendingConfIndex > r.log.applied) return new ConfChangePendingError(pendingConfIndex, r.log.applied);
  try {
    const why = validateConfChange(r.trk.conf(), decodeConfChange(e.data));
    return why === undefined ? undefined : new ConfChangeInvalidError(why);
  } catch (err) {
    if (err instanceof ConfChangeInvalidError) return err;
    throw err;
  }
}
