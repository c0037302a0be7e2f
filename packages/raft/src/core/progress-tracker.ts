/**
 * The current membership plus the leader's {@link Progress} for every member
 * (etcd `tracker/tracker.go`, without joint consensus: changes are one at a
 * time). Every node keeps one, so membership is always known; followers just
 * never read the progress.
 */
import { sortIds } from './conf-change.js';
import { Progress } from './progress.js';
import { committedIndex, voteResult } from './quorum.js';
import type { VoteResult } from './quorum.js';
import type { ConfState, NodeId } from './types.js';

export class ProgressTracker {
  readonly voters = new Set<NodeId>();
  readonly learners = new Set<NodeId>();
  readonly progress = new Map<NodeId, Progress>();
  /** `members()`, sorted once per configuration (it runs on every append and heartbeat). */
  private sortedMembers: readonly NodeId[] = [];

  constructor(
    private readonly maxInflight: number,
    private readonly maxInflightBytes: number,
  ) {}

  conf(): ConfState {
    return { voters: sortIds([...this.voters]), learners: sortIds([...this.learners]) };
  }

  isVoter(id: NodeId): boolean {
    return this.voters.has(id);
  }

  isMember(id: NodeId): boolean {
    return this.voters.has(id) || this.learners.has(id);
  }

  /**
   * Switches to `conf`. New members get a fresh progress probing at
   * `lastIndex` and count as recently active (so check-quorum does not
   * trip before they had a chance to answer); removed members lose theirs;
   * promoted/demoted members keep theirs.
   */
  setConf(conf: ConfState, lastIndex: number): void {
    this.voters.clear();
    this.learners.clear();
    for (const id of conf.voters) this.voters.add(id);
    for (const id of conf.learners) this.learners.add(id);
    this.sortedMembers = Object.freeze(sortIds([...this.voters, ...this.learners]));
    for (const id of [...this.progress.keys()]) {
      if (!this.isMember(id)) this.progress.delete(id);
    }
    for (const id of this.members()) {
      const isLearner = this.learners.has(id);
      const pr = this.progress.get(id);
      if (pr) {
        pr.isLearner = isLearner;
        continue;
      }
      // Probe with the last entry right away (an empty node rejects, and its
      // hint leads the leader back to where it must start).
      const fresh = this.newProgress(Math.max(lastIndex, 1), isLearner);
      fresh.recentActive = true;
      this.progress.set(id, fresh);
    }
  }

  /** Fresh progress for everyone (on every role change), `self` matched at `selfMatch`. */
  resetProgress(lastIndex: number, self: NodeId, selfMatch: number): void {
    for (const id of this.members()) {
      const pr = this.newProgress(lastIndex + 1, this.learners.has(id));
      if (id === self) pr.match = selfMatch;
      this.progress.set(id, pr);
    }
  }

  private newProgress(next: number, isLearner: boolean): Progress {
    return new Progress(next, this.maxInflight, this.maxInflightBytes, isLearner);
  }

  /** Members (voters and learners), in id order, for deterministic iteration. Do not modify. */
  members(): readonly NodeId[] {
    return this.sortedMembers;
  }

  /** The largest index replicated on a quorum of voters. */
  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id)?.match);
  }

  /** Whether a quorum of voters was recently active (`self` always counts). */
  quorumActive(self: NodeId): boolean {
    return voteResult(this.voters, (id) => id === self || (this.progress.get(id)?.recentActive ?? false)) === 'won';
  }

  tally(votes: ReadonlyMap<NodeId, boolean>): VoteResult {
    return voteResult(this.voters, (id) => votes.get(id));
  }
}
