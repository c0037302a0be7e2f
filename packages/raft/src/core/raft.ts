/**
 * `RaftCore`: the pure raft state machine (etcd's `RawNode`). No I/O, no
 * timers, no randomness of its own: the caller ticks it, steps messages into
 * it, and drives the Ready cycle (see DESIGN.md):
 *
 *   const rd = core.ready();   // when core.hasReady()
 *   persist(rd.snapshot, rd.entries, rd.hardState)  // fsync if rd.mustSync
 *   send(rd.messages)          // only after the persist completed
 *   apply(rd.snapshot, rd.committedEntries)  // conf changes: core.applyConfChange(cc)
 *   core.advance(rd);
 *
 * Expected refusals throw typed errors (errors.ts); broken invariants throw
 * `InvariantError`.
 */
import { invariant, ValidationError } from '@flynn-ts/core';
import { initialState } from './bootstrap.js';
import { encodeConfChange } from './conf-change.js';
import { resolveConfig } from './config.js';
import type { RaftConfig, ResolvedConfig } from './config.js';
import { NotLeaderError, ReadIndexDroppedError } from './errors.js';
import { applyConfChange } from './membership.js';
import { proposeLocal } from './propose.js';
import type { ProposalResult } from './propose.js';
import { payloadSize } from './raft-log.js';
import { RaftMachine } from './raft-machine.js';
import { leaderReadIndex } from './read-index.js';
import { statusOf } from './status.js';
import type { RaftStatus } from './status.js';
import { stepMessage } from './step.js';
import { leaderReportSnapshot, leaderReportUnreachable, leaderTransfer } from './step-leader.js';
import type { ConfChange, ConfState, Entry, HardState, Message, NodeId, Ready, RoleKind, Snapshot, SnapshotMeta, SoftState } from './types.js';

export class RaftCore {
  private readonly r: RaftMachine;
  private readonly cfg: ResolvedConfig;
  /** The soft/hard state last handed out (the baseline for "changed"). */
  private prevSoft: SoftState;
  private prevHard: HardState;
  /** The Ready handed out and not yet advanced. */
  private outstanding: Ready | undefined;

  constructor(config: RaftConfig) {
    this.cfg = resolveConfig(config);
    const init = initialState(config);
    this.r = new RaftMachine(this.cfg, init.log, init.hardState, init.conf);
    this.prevHard = init.storedHardState;
    this.prevSoft = { leader: '', role: 'follower' };
  }

  get id(): NodeId {
    return this.r.id;
  }

  get term(): number {
    return this.r.term;
  }

  get leader(): NodeId {
    return this.r.lead;
  }

  get role(): RoleKind {
    return this.r.role.kind;
  }

  /** Advances logical time by one tick (elections, heartbeats, check-quorum). */
  tick(): void {
    this.r.tick();
  }

  /** Steps a message received from a peer. Messages addressed to another node are ignored. */
  step(m: Message): void {
    if (m.to !== this.r.id) {
      this.r.logger.warn({ raft: this.r.id, to: m.to, type: m.type }, 'ignoring a message addressed to another node');
      return;
    }
    stepMessage(this.r, m);
  }

  /**
   * Proposes `data` for the log. On the leader it is appended (result: its
   * index and term; it may still be lost if leadership changes before it
   * commits); on a follower it is forwarded (result: `forwardedTo`). Throws
   * {@link ProposalDroppedError} when it cannot go anywhere.
   */
  propose(data: Uint8Array): ProposalResult {
    return proposeLocal(this.r, [{ term: 0, index: 0, type: 'normal', data }]);
  }

  /**
   * Proposes a membership change (at most one in flight). On the leader throws
   * {@link ConfChangePendingError} while an earlier change is unapplied and
   * {@link ConfChangeInvalidError} for a change that may not happen; see propose.ts.
   */
  proposeConfChange(cc: ConfChange): ProposalResult {
    return proposeLocal(this.r, [{ term: 0, index: 0, type: 'conf-change', data: encodeConfChange(cc) }]);
  }

  /** Starts an election now (with a pre-vote round if enabled). A no-op with a warning if not promotable. */
  campaign(): void {
    this.r.hup(this.cfg.preVote ? 'pre-election' : 'election');
  }

  /** Hands leadership to `to` (leader only; throws {@link NotLeaderError} elsewhere). `to` = self cancels. */
  transferLeadership(to: NodeId): void {
    const role = this.r.role;
    if (role.kind !== 'leader') throw new NotLeaderError(this.r.lead, 'transferLeadership');
    leaderTransfer(this.r, role, to);
  }

  /**
   * Requests a linearizable read point. The answer arrives as a `ReadState`
   * with this `context` in a later Ready; the read is safe once applied
   * through its index. Throws {@link ReadIndexDroppedError} without a leader.
   */
  readIndex(context: Uint8Array): void {
    if (context.byteLength === 0) throw new ValidationError('context', 'read-index context must not be empty', { code: 'FLYNN_RAFT_INVALID_CONTEXT' });
    const r = this.r;
    const role = r.role;
    if (role.kind === 'leader') {
      const m: Message = { type: 'read-index', from: r.id, to: r.id, term: 0, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0, context };
      leaderReadIndex(r, role, m);
      return;
    }
    if (role.kind !== 'follower' || r.lead === '') throw new ReadIndexDroppedError();
    r.send({ type: 'read-index', to: r.lead, context });
  }

  /** Call when applying a committed conf-change entry (in log order). Returns the new membership. */
  applyConfChange(cc: ConfChange): ConfState {
    return applyConfChange(this.r, cc);
  }

  /** The transport could not reach `to` (leader: stop pipelining to it, probe instead). */
  reportUnreachable(to: NodeId): void {
    if (this.r.role.kind === 'leader') leaderReportUnreachable(this.r, to);
  }

  /** A snapshot sent to `to` was delivered (`ok`) or failed. */
  reportSnapshot(to: NodeId, ok: boolean): void {
    if (this.r.role.kind === 'leader') leaderReportSnapshot(this.r, to, ok);
  }

  // --- the Ready cycle -------------------------------------------------------

  hasReady(): boolean {
    const r = this.r;
    return (
      !softEqual(r.softState(), this.prevSoft) ||
      !hardEqual(r.hardState(), this.prevHard) ||
      r.log.nextSnapshot() !== undefined ||
      r.log.unstableEntries().length > 0 ||
      r.log.hasNextCommittedEntries() ||
      r.msgs.length > 0 ||
      r.readStates.length > 0
    );
  }

  /**
   * Hands out the work to do (see the file comment and DESIGN.md). Only one
   * Ready may be outstanding: call `advance(rd)` before the next `ready()`.
   * Every message in it depends only on state in this or an earlier Ready.
   */
  ready(): Ready {
    invariant(this.outstanding === undefined, 'ready() called again before advance()', { id: this.r.id });
    const r = this.r;
    const rd: Ready = {
      entries: r.log.unstableEntries(),
      committedEntries: r.log.nextCommittedEntries(this.cfg.maxCommittedSizePerReady),
      messages: r.msgs,
      readStates: r.readStates,
      mustSync: false,
    };
    const snapshot = r.log.nextSnapshot();
    if (snapshot) rd.snapshot = snapshot;
    const soft = r.softState();
    if (!softEqual(soft, this.prevSoft)) {
      rd.softState = soft;
      this.prevSoft = soft;
    }
    const hard = r.hardState();
    const prev = this.prevHard;
    if (!hardEqual(hard, prev)) {
      invariant(hard.term >= prev.term, 'term going backwards', { from: prev.term, to: hard.term });
      invariant(hard.commit >= prev.commit, 'commit going backwards', { from: prev.commit, to: hard.commit });
      rd.hardState = hard;
      this.prevHard = hard;
    }
    rd.mustSync = rd.entries.length > 0 || snapshot !== undefined || hard.term !== prev.term || hard.vote !== prev.vote;
    r.log.acceptUnstable();
    const lastCommitted = rd.committedEntries.at(-1);
    if (lastCommitted) r.log.acceptApplying(lastCommitted.index);
    r.msgs = [];
    r.readStates = [];
    this.outstanding = rd;
    return rd;
  }

  /** The caller persisted, sent and applied `rd` (the Ready last returned by `ready()`). */
  advance(rd: Ready): void {
    invariant(rd === this.outstanding, 'advance() must be given the Ready returned by the last ready()', { id: this.r.id });
    this.outstanding = undefined;
    const r = this.r;
    if (rd.snapshot) r.log.stableSnapTo(rd.snapshot.meta.index);
    const lastEntry = rd.entries.at(-1);
    if (lastEntry) r.log.stableTo(lastEntry.index, lastEntry.term);
    const lastCommitted = rd.committedEntries.at(-1);
    if (lastCommitted) {
      r.log.appliedTo(lastCommitted.index);
      if (r.role.kind === 'leader') {
        r.role.uncommittedSize = Math.max(0, r.role.uncommittedSize - payloadSize(rd.committedEntries));
      }
    }
    // The leader's own entries count toward commit only once durable.
    r.selfAck(r.log.persistedIndex());
  }

  // --- inspection and log management ---------------------------------------

  status(): RaftStatus {
    return statusOf(this.r);
  }

  /**
   * The metadata for a snapshot of the state machine as of the applied index.
   * Call after `advance()`, so the membership reflects exactly the applied entries.
   */
  snapshotMeta(): SnapshotMeta {
    const index = this.r.log.applied;
    const term = this.r.log.term(index);
    invariant(term !== undefined, 'no term for the applied index (a snapshot is still being installed?)', { applied: index });
    return { index, term, conf: this.r.trk.conf() };
  }

  /** Drops log entries through `index` (<= applied), which a snapshot covers. */
  compact(index: number): void {
    this.r.log.compact(index);
  }

  /**
   * The caller took (and durably stored) `snapshot` of its state machine. It
   * becomes the snapshot sent to lagging followers (unless a `snapshotSource`
   * is configured), and the log is compacted through `compactTo` (default:
   * the snapshot's index; pass a lower index to keep a tail of entries for
   * followers that are only a little behind).
   */
  applySnapshotCreated(snapshot: Snapshot, compactTo = snapshot.meta.index): void {
    const r = this.r;
    invariant(snapshot.meta.index <= r.log.applied, 'snapshot is ahead of the applied index', {
      snapshot: snapshot.meta.index,
      applied: r.log.applied,
    });
    invariant(compactTo <= snapshot.meta.index, 'compacting beyond the snapshot', { compactTo, snapshot: snapshot.meta.index });
    if (!r.latestSnapshot || r.latestSnapshot.meta.index < snapshot.meta.index) r.latestSnapshot = snapshot;
    r.log.compact(compactTo);
  }

  /** The term of the entry at `index`, or undefined if it is compacted or beyond the log. */
  termAt(index: number): number | undefined {
    return this.r.log.term(index);
  }

  /** The in-memory log in [lo, hi) (for inspection and tests). */
  entries(lo: number, hi: number): Entry[] {
    return this.r.log.slice(lo, hi);
  }
}

function softEqual(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}

function hardEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
