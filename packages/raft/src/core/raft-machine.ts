/**
 * The raft state machine behind {@link RaftCore} (etcd's `raft` struct): term,
 * vote, role, log and membership, the role transitions, ticks and elections.
 * Message handling lives in `step*.ts`, sending in `replication.ts`,
 * membership in `membership.ts`. Internal: only `RaftCore` and the step
 * functions use it.
 */
import { invariant } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import type { ResolvedConfig } from './config.js';
import { payloadSize } from './raft-log.js';
import type { RaftLog } from './raft-log.js';
import { ProgressTracker } from './progress-tracker.js';
import { releasePendingReadIndex } from './read-index.js';
import { bcastAppend, bcastHeartbeat } from './replication.js';
import { newLeaderRole } from './roles.js';
import type { LeaderRole, Role } from './roles.js';
import type { ConfState, Entry, HardState, Message, MessageType, NodeId, ReadState, Snapshot, SoftState } from './types.js';

/** What campaign is being run: a pre-vote round, a real election, or a forced one for leadership transfer. */
export type CampaignKind = 'pre-election' | 'election' | 'transfer';

/** The `context` of vote requests in a leadership-transfer campaign: voters ignore their leader lease. */
export const TRANSFER_CONTEXT = new TextEncoder().encode('raft:transfer-leader');

export type OutgoingMessage = Partial<Message> & { type: MessageType; to: NodeId };

export class RaftMachine {
  readonly id: NodeId;
  readonly logger: Logger;
  term: number;
  vote: NodeId;
  lead: NodeId = '';
  role: Role = { kind: 'follower' };
  electionElapsed = 0;
  randomizedElectionTimeout = 0;
  readonly trk: ProgressTracker;
  /** Messages to hand out in the next Ready. */
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  /** The snapshot last reported by `applySnapshotCreated` (the default snapshot source). */
  latestSnapshot: Snapshot | undefined;

  constructor(
    readonly cfg: ResolvedConfig,
    readonly log: RaftLog,
    hardState: HardState,
    conf: ConfState,
  ) {
    this.id = cfg.id;
    this.logger = cfg.logger;
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.trk = new ProgressTracker(cfg.maxInflightMsgs, cfg.maxInflightBytes);
    this.trk.setConf(conf, log.lastIndex());
    this.becomeFollower(this.term, '');
  }

  softState(): SoftState {
    return { leader: this.lead, role: this.role.kind };
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  info(msg: string, fields: Record<string, unknown> = {}): void {
    this.logger.info({ raft: this.id, term: this.term, ...fields }, msg);
  }

  /** Queues `m` for the next Ready, filling in `from` and the term (STYLE: one place decides terms). */
  send(partial: OutgoingMessage): void {
    const m: Message = {
      from: this.id,
      term: 0,
      logTerm: 0,
      index: 0,
      entries: [],
      commit: 0,
      reject: false,
      rejectHint: 0,
      ...partial,
    };
    invariant(m.to !== this.id, 'message must not be self-addressed', { type: m.type, to: m.to });
    if (isVoteMessage(m.type)) {
      // Vote messages carry the campaign's term explicitly (pre-votes are for a future term).
      invariant(m.term > 0, 'vote message must carry a term', { type: m.type });
    } else {
      invariant(partial.term === undefined, 'only vote messages set their own term', { type: m.type, term: partial.term });
      // Forwarded proposals and read requests are "local" to the leader: no term.
      if (m.type !== 'prop' && m.type !== 'read-index') m.term = this.term;
    }
    this.msgs.push(m);
  }

  // --- transitions ---------------------------------------------------------

  becomeFollower(term: number, lead: NodeId): void {
    this.reset(term);
    this.lead = lead;
    this.role = { kind: 'follower' };
    this.info(`became follower at term ${this.term}`);
  }

  becomePreCandidate(): void {
    invariant(this.role.kind !== 'leader', 'invalid transition [leader -> pre-candidate]', { term: this.term });
    // A pre-candidate does not change its term or vote: the pre-vote is for term+1.
    this.role = { kind: 'pre-candidate', votes: new Map() };
    this.lead = '';
    this.info(`became pre-candidate at term ${this.term}`);
  }

  becomeCandidate(): void {
    invariant(this.role.kind !== 'leader', 'invalid transition [leader -> candidate]', { term: this.term });
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = { kind: 'candidate', votes: new Map() };
    this.info(`became candidate at term ${this.term}`);
  }

  becomeLeader(): void {
    invariant(this.role.kind !== 'follower', 'invalid transition [follower -> leader]', { term: this.term });
    this.reset(this.term);
    this.lead = this.id;
    // Conservatively treat the whole tail as possibly holding a conf change:
    // no new change until everything up to here is applied.
    const role = newLeaderRole(this.log.lastIndex());
    this.role = role;
    const self = this.trk.progress.get(this.id);
    if (self) {
      self.becomeReplicate();
      self.recentActive = true;
    }
    // Raft §8: a new leader commits an entry of its own term (and with it the
    // log before it) by appending an empty entry.
    const ok = this.appendEntries(role, [{ term: 0, index: 0, type: 'normal', data: new Uint8Array(0) }]);
    invariant(ok, 'the empty entry of a new leader was dropped', { term: this.term });
    this.info(`became leader at term ${this.term}`);
    bcastAppend(this);
  }

  private reset(term: number): void {
    invariant(term >= this.term, 'term going backwards', { from: this.term, to: term });
    if (term !== this.term) {
      this.term = term;
      this.vote = '';
    }
    this.lead = '';
    this.electionElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTick + this.cfg.random.int(this.cfg.electionTick);
    // Our own match counts only what is durable: entries still being
    // persisted are acknowledged by `selfAck` after `advance`.
    this.trk.resetProgress(this.log.lastIndex(), this.id, this.log.persistedIndex());
  }

  // --- time ----------------------------------------------------------------

  tick(): void {
    if (this.role.kind === 'leader') this.tickHeartbeat(this.role);
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(this.cfg.preVote ? 'pre-election' : 'election');
    }
  }

  private tickHeartbeat(role: LeaderRole): void {
    role.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTick) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        if (!this.trk.quorumActive(this.id)) {
          this.logger.warn({ raft: this.id, term: this.term }, 'stepped down to follower since quorum is not active');
          this.becomeFollower(this.term, '');
          return;
        }
        for (const [id, pr] of this.trk.progress) if (id !== this.id) pr.recentActive = false;
      }
      // A transfer that did not finish within an election timeout is abandoned.
      if (role.transferee !== '') this.abortLeaderTransfer(role);
    }
    if (role.heartbeatElapsed >= this.cfg.heartbeatTick) {
      role.heartbeatElapsed = 0;
      bcastHeartbeat(this, role);
    }
  }

  // --- elections -----------------------------------------------------------

  /** Can this node become leader: a voter, with no snapshot still being installed. */
  promotable(): boolean {
    return this.trk.isVoter(this.id) && !this.log.hasSnapshotInProgress();
  }

  hup(kind: CampaignKind): void {
    if (this.role.kind === 'leader') {
      this.logger.debug({ raft: this.id }, 'ignoring campaign: already leader');
      return;
    }
    if (!this.promotable()) {
      this.logger.warn({ raft: this.id, term: this.term }, 'is unpromotable and can not campaign');
      return;
    }
    if (this.hasUnappliedConfChanges()) {
      this.logger.warn({ raft: this.id, term: this.term }, `cannot campaign at term ${this.term} since there are still pending configuration changes to apply`);
      return;
    }
    this.info(`is starting a new election at term ${this.term}`);
    this.campaign(kind);
  }

  private hasUnappliedConfChanges(): boolean {
    const { applied, committed } = this.log;
    if (applied >= committed) return false;
    return this.log.slice(applied + 1, committed + 1).some((e) => e.type === 'conf-change');
  }

  campaign(kind: CampaignKind): void {
    let term: number;
    let type: MessageType;
    if (kind === 'pre-election') {
      this.becomePreCandidate();
      type = 'pre-vote';
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      type = 'vote';
      term = this.term;
    }
    if (this.poll(this.id, type === 'vote' ? 'vote-resp' : 'pre-vote-resp', true) === 'won') {
      // A single-voter configuration wins at once.
      if (kind === 'pre-election') this.campaign('election');
      else this.becomeLeader();
      return;
    }
    const index = this.log.lastIndex();
    const logTerm = this.log.lastTerm();
    for (const id of this.trk.members()) {
      if (id === this.id || !this.trk.isVoter(id)) continue;
      this.info(`[logterm: ${logTerm}, index: ${index}] sent ${type} request to ${id} at term ${this.term}`);
      const m: OutgoingMessage = { type, to: id, term, index, logTerm };
      if (kind === 'transfer') m.context = TRANSFER_CONTEXT;
      this.send(m);
    }
  }

  /** Records a (pre-)vote and returns the tally. */
  poll(from: NodeId, type: MessageType, granted: boolean): 'won' | 'lost' | 'pending' {
    const role = this.role;
    invariant(role.kind === 'pre-candidate' || role.kind === 'candidate', 'polling outside a campaign', { role: role.kind });
    this.info(granted ? `received ${type} from ${from} at term ${this.term}` : `received ${type} rejection from ${from} at term ${this.term}`);
    if (!role.votes.has(from)) role.votes.set(from, granted);
    const result = this.trk.tally(role.votes);
    let yes = 0;
    for (const v of role.votes.values()) if (v) yes++;
    this.info(`has received ${yes} ${type} votes and ${role.votes.size - yes} vote rejections`);
    return result;
  }

  // --- the leader's log ----------------------------------------------------

  /**
   * Appends entries at the current term (leader only). Returns false, appending
   * nothing, if they would push the uncommitted tail over its limit (an
   * empty-payload entry is never refused).
   */
  appendEntries(role: LeaderRole, entries: readonly Entry[]): boolean {
    const li = this.log.lastIndex();
    const ents = entries.map((e, i): Entry => ({ term: this.term, index: li + 1 + i, type: e.type, data: e.data }));
    const size = payloadSize(ents);
    if (role.uncommittedSize > 0 && size > 0 && role.uncommittedSize + size > this.cfg.maxUncommittedEntriesSize) {
      this.logger.warn({ raft: this.id, size, uncommitted: role.uncommittedSize }, 'appending would exceed the uncommitted size limit; dropping proposal');
      return false;
    }
    role.uncommittedSize += size;
    this.log.append(ents);
    return true;
  }

  /**
   * Advances the commit index to what a quorum of voters matched, but only if
   * that entry is from the current term (Raft §5.4.2, fig. 8): older entries
   * are committed indirectly, never by counting replicas.
   */
  maybeCommit(): boolean {
    return this.log.maybeCommit(this.trk.committed(), this.term);
  }

  /** The leader's own entries through `index` are durable: count them for the quorum. */
  selfAck(index: number): void {
    const role = this.role;
    if (role.kind !== 'leader') return;
    const pr = this.trk.progress.get(this.id);
    if (!pr || !pr.maybeUpdate(index)) return;
    if (this.maybeCommit()) {
      releasePendingReadIndex(this, role);
      bcastAppend(this);
    }
  }

  committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  abortLeaderTransfer(role: LeaderRole): void {
    this.info(`abort transferring leadership to ${role.transferee}`);
    role.transferee = '';
  }

  /** The snapshot to send to a follower that needs compacted entries, if one is available. */
  snapshotForFollower(): Snapshot | undefined {
    return this.cfg.snapshotSource ? this.cfg.snapshotSource() : this.latestSnapshot;
  }
}

function isVoteMessage(t: MessageType): boolean {
  return t === 'vote' || t === 'vote-resp' || t === 'pre-vote' || t === 'pre-vote-resp';
}
