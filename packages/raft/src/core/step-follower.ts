/**
 * Message handling for followers (etcd `stepFollower`), and the follower side
 * of AppendEntries, heartbeats and InstallSnapshot (shared with candidates,
 * which become followers first).
 */
import { describeConf } from './conf-change.js';
import type { OutgoingMessage, RaftMachine } from './raft-machine.js';
import type { FollowerRole } from './roles.js';
import type { Message, Snapshot } from './types.js';

export function stepFollower(r: RaftMachine, _role: FollowerRole, m: Message): void {
  switch (m.type) {
    case 'prop':
      // A proposal forwarded to us by a node that thought we lead: pass it on.
      if (r.lead === '' || r.cfg.disableProposalForwarding || r.lead === m.from) {
        r.info(`cannot forward proposal from ${m.from} at term ${r.term}; dropping it`);
        return;
      }
      r.send({ type: 'prop', to: r.lead, entries: m.entries });
      return;
    case 'app':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppendEntries(r, m);
      return;
    case 'heartbeat':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return;
    case 'snap':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return;
    case 'timeout-now':
      // Leadership transfer: campaign at once, skipping pre-vote (we know the
      // leader is alive and wants us to take over).
      r.info(`received timeout-now from ${m.from} and starts an election to get leadership`);
      r.hup('transfer');
      return;
    case 'read-index':
      if (r.lead === '' || r.lead === m.from) {
        r.info(`no leader at term ${r.term}; dropping read-index from ${m.from}`);
        return;
      }
      r.send(withContext({ type: 'read-index', to: r.lead }, m.context));
      return;
    case 'read-index-resp':
      r.readStates.push({ index: m.index, context: m.context ?? new Uint8Array(0) });
      return;
    default:
      return;
  }
}

export function withContext(m: OutgoingMessage, context: Uint8Array | undefined): OutgoingMessage {
  if (context !== undefined) m.context = context;
  return m;
}

export function handleAppendEntries(r: RaftMachine, m: Message): void {
  if (m.index < r.log.committed) {
    // Everything up to our commit index is known to match: say so.
    r.send({ type: 'app-resp', to: m.from, index: r.log.committed });
    return;
  }
  const lastNew = r.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNew !== undefined) {
    r.send({ type: 'app-resp', to: m.from, index: lastNew });
    return;
  }
  // Our log does not have (m.index, m.logTerm). Hint the leader at the largest
  // (index, term) that might match: index <= m.index and term <= m.logTerm,
  // skipping a divergent tail of higher terms in one step.
  const hint = r.log.findConflictByTerm(Math.min(m.index, r.log.lastIndex()), m.logTerm);
  r.info(`[logterm: ${r.log.term(m.index) ?? 0}, index: ${m.index}] rejected app [logterm: ${m.logTerm}, index: ${m.index}] from ${m.from}`);
  r.send({ type: 'app-resp', to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term });
}

export function handleHeartbeat(r: RaftMachine, m: Message): void {
  r.log.commitTo(m.commit);
  r.send(withContext({ type: 'heartbeat-resp', to: m.from }, m.context));
}

export function handleSnapshot(r: RaftMachine, m: Message): void {
  const s = m.snapshot;
  if (!s) {
    r.logger.warn({ raft: r.id, from: m.from }, 'snap message without a snapshot');
    return;
  }
  if (restore(r, s)) {
    r.info(`[commit: ${r.log.committed}] restored snapshot [index: ${s.meta.index}, term: ${s.meta.term}]`);
    r.send({ type: 'app-resp', to: m.from, index: r.log.lastIndex() });
  } else {
    r.info(`[commit: ${r.log.committed}] ignored snapshot [index: ${s.meta.index}, term: ${s.meta.term}]`);
    r.send({ type: 'app-resp', to: m.from, index: r.log.committed });
  }
}

/** Installs a snapshot from the leader. Returns false if it was ignored (stale, or our log already has it). */
function restore(r: RaftMachine, s: Snapshot): boolean {
  if (s.meta.index <= r.log.committed) return false;
  if (r.role.kind !== 'follower') {
    // Defense in depth: only followers install snapshots.
    r.logger.warn({ raft: r.id }, 'attempted to restore snapshot as non-follower; should never happen');
    r.becomeFollower(r.term + 1, '');
    return false;
  }
  // Unlike etcd, a snapshot whose membership does not include us is installed
  // too: it is committed state, and the entries after it (which the leader
  // sends next) contain the change that added us, exactly as for a joining
  // node replaying the log. Refusing it would leave a node added after the
  // newest snapshot unable to catch up once the log is compacted.
  const conf = s.meta.conf;
  if (r.log.matchTerm(s.meta.index, s.meta.term)) {
    // We already have the snapshot's last entry, so the log up to it matches:
    // just fast-forward the commit index.
    r.info(`fast-forwarded commit to snapshot [index: ${s.meta.index}, term: ${s.meta.term}]`);
    r.log.commitTo(s.meta.index);
    return false;
  }
  r.log.restore(s);
  r.trk.setConf(conf, r.log.lastIndex());
  r.info(`switched to configuration ${describeConf(conf)}`);
  return true;
}
