/**
 * Applying a committed membership change (etcd `applyConfChange` +
 * `switchToConfig`, single changes only). The caller invokes it, through
 * `RaftCore.applyConfChange`, when it applies a conf-change entry.
 */
import { invariant } from '@flynn-ts/core';
import { applyConfChangeTo, describeConf } from './conf-change.js';
import type { RaftMachine } from './raft-machine.js';
import { releasePendingReadIndex } from './read-index.js';
import { bcastAppend, maybeSendAppend } from './replication.js';
import type { ConfChange, ConfState } from './types.js';

export function applyConfChange(r: RaftMachine, cc: ConfChange): ConfState {
  const before = r.trk.conf();
  const conf = applyConfChangeTo(before, cc);
  // Proposals are validated by the leader against this same configuration
  // (one change in flight), so a committed change that empties the voters is a bug.
  invariant(conf.voters.length > 0, 'conf change removes all voters', { change: cc, conf: before });
  return switchToConfig(r, conf);
}

/**
 * Switches to `conf`. A leader that is no longer a voter steps down. A leader
 * that stays re-checks its commit index (the quorum may have shrunk), probes
 * new members, and abandons a transfer to a node that is no longer a voter.
 */
export function switchToConfig(r: RaftMachine, conf: ConfState): ConfState {
  r.trk.setConf(conf, r.log.lastIndex());
  r.info(`switched to configuration ${describeConf(conf)}`);
  const role = r.role;
  if (role.kind !== 'leader') return conf;
  if (!r.trk.isVoter(r.id)) {
    // Removed or demoted: stop leading. Followers elect a new leader after an
    // election timeout (the change is already committed on a quorum).
    r.info('stepping down: no longer a voter');
    r.becomeFollower(r.term, '');
    return conf;
  }
  if (r.maybeCommit()) {
    releasePendingReadIndex(r, role);
    bcastAppend(r);
  } else {
    for (const id of r.trk.members()) if (id !== r.id) maybeSendAppend(r, id, false);
  }
  if (role.transferee !== '' && !r.trk.isVoter(role.transferee)) r.abortLeaderTransfer(role);
  return conf;
}
