/**
 * Building the initial log, hard state and membership from what the driver
 * recovered (or, for a fresh cluster, from the founding peers).
 */
import { invariant } from '@flynn-ts/core';
import { applyConfChangeTo, decodeConfChange, encodeConfChange, sortIds } from './conf-change.js';
import type { RaftConfig } from './config.js';
import { RaftConfigError } from './errors.js';
import { RaftLog } from './raft-log.js';
import type { ConfChange, ConfState, Entry, HardState } from './types.js';

export interface InitialState {
  log: RaftLog;
  /** The hard state the node starts with (after bootstrap, if any). */
  hardState: HardState;
  /** The hard state storage holds (the baseline for "changed" in the first Ready). */
  storedHardState: HardState;
  conf: ConfState;
}

const EMPTY_HARD_STATE: HardState = { term: 0, vote: '', commit: 0 };

export function initialState(config: RaftConfig): InitialState {
  const init = config.log ?? {};
  const snap = init.snapshot;
  const snapIndex = snap?.meta.index ?? 0;
  const snapTerm = snap?.meta.term ?? 0;
  const all = init.entries ?? [];
  const first = all[0];
  invariant(first === undefined || first.index <= snapIndex + 1, 'recovered entries leave a gap after the snapshot', {
    snapIndex,
    firstEntry: first?.index,
  });
  const entries = all.filter((e) => e.index > snapIndex);
  const stored = init.hardState ?? EMPTY_HARD_STATE;
  const base: ConfState = snap ? { voters: [...snap.meta.conf.voters], learners: [...snap.meta.conf.learners] } : { voters: [], learners: [] };
  const fresh = !snap && entries.length === 0 && !init.hardState;
  const founders = (config.peers?.length ?? 0) + (config.learners?.length ?? 0);
  if (fresh && founders > 0) {
    return bootstrap(config, new RaftLog({ snapIndex: 0, snapTerm: 0, entries: [], committed: 0, applied: 0 }), base);
  }

  // Without a stored hard state, the snapshot is all we know to be committed.
  const committed = init.hardState ? stored.commit : snapIndex;
  const applied = Math.max(config.applied ?? snapIndex, snapIndex);
  const log = new RaftLog({ snapIndex, snapTerm, entries, committed, applied });

  // Rebuild the membership as of `applied`: the conf changes after the
  // snapshot that the state machine has applied. Later ones are handed out
  // again in committedEntries and the caller re-applies them.
  let conf = base;
  if (applied > snapIndex) {
    for (const e of log.slice(snapIndex + 1, applied + 1)) {
      if (e.type === 'conf-change') conf = applyConfChangeTo(conf, decodeConfChange(e.data));
    }
  }
  return { log, hardState: { ...stored, commit: committed }, storedHardState: stored, conf };
}

/**
 * A fresh cluster: one conf-change entry per founder at term 1 (voters, then
 * learners, each sorted), committed and applied at once. They are unstable,
 * so the first Ready persists them. Identical on every founder, so the logs
 * agree from the start.
 */
function bootstrap(config: RaftConfig, log: RaftLog, base: ConfState): InitialState {
  if ((config.peers?.length ?? 0) === 0) throw new RaftConfigError('peers', 'bootstrap needs at least one voter');
  const overlap = (config.learners ?? []).filter((id) => config.peers?.includes(id));
  if (overlap.length > 0) throw new RaftConfigError('learners', `${overlap.join(', ')} listed as both peer and learner`);
  const changes: ConfChange[] = [
    ...sortIds([...new Set(config.peers ?? [])]).map((node): ConfChange => ({ type: 'add-voter', node })),
    ...sortIds([...new Set(config.learners ?? [])]).map((node): ConfChange => ({ type: 'add-learner', node })),
  ];
  const entries = changes.map((cc, i): Entry => ({ term: 1, index: i + 1, type: 'conf-change', data: encodeConfChange(cc) }));
  log.append(entries);
  log.commitTo(entries.length);
  log.acceptApplying(entries.length);
  log.appliedTo(entries.length);
  const conf = changes.reduce(applyConfChangeTo, base);
  return {
    log,
    hardState: { term: 1, vote: '', commit: entries.length },
    storedHardState: EMPTY_HARD_STATE,
    conf,
  };
}
