/**
 * The leader's view of one follower's log (etcd `tracker/progress.go`). See
 * DESIGN.md for the state diagram:
 *
 *   probe ──(append acked)──▶ replicate
 *   replicate ──(reject / unreachable)──▶ probe
 *   probe|replicate ──(needed entries compacted)──▶ snapshot
 *   snapshot ──(snapshot reported / follower caught up)──▶ probe
 *
 * - probe: at most one append in flight per heartbeat interval, `next` walks
 *   back on rejections until the logs match.
 * - replicate: optimistic pipelining; `next` advances as appends are sent,
 *   bounded by the {@link Inflights} window.
 * - snapshot: a snapshot is being sent; no appends until it is reported.
 */
import { invariant } from '@flynn-ts/core';
import { Inflights } from './inflights.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

export class Progress {
  /** Highest index known to be replicated on the follower. */
  match = 0;
  /** Index of the next entry to send. Invariant: match < next. */
  next: number;
  state: ProgressState = 'probe';
  /** In `snapshot` state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from in the current check-quorum interval. */
  recentActive = false;
  /** Sending is paused: probe sent, or the inflight window filled up. */
  msgAppFlowPaused = false;
  /** The highest commit index sent to the follower (to decide on commit-only appends). */
  sentCommit = 0;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number, maxInflightBytes: number, isLearner: boolean) {
    this.next = next;
    this.isLearner = isLearner;
    this.inflights = new Inflights(maxInflight, maxInflightBytes);
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, resume right after it (or after match, if that is ahead).
    const from = this.state === 'snapshot' ? Math.max(this.match, this.pendingSnapshot) : this.match;
    this.resetState('probe');
    this.next = from + 1;
    this.sentCommit = Math.min(this.sentCommit, this.next - 1);
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
    this.next = snapshotIndex + 1;
    this.sentCommit = snapshotIndex;
  }

  /** Accounts for an append carrying `entries` entries of `bytes` payload bytes. */
  sentEntries(entries: number, bytes: number): void {
    switch (this.state) {
      case 'replicate':
        if (entries > 0) {
          this.next += entries;
          this.inflights.add(this.next - 1, bytes);
        }
        this.msgAppFlowPaused = this.inflights.full();
        return;
      case 'probe':
        if (entries > 0) this.msgAppFlowPaused = true;
        return;
      case 'snapshot':
        invariant(false, 'sending append to a follower in snapshot state', { next: this.next, match: this.match });
    }
  }

  /** True if an append just to carry `commit` is worth sending. */
  canBumpCommit(commit: number): boolean {
    return commit > this.sentCommit && this.sentCommit < this.next - 1;
  }

  /** Records an acknowledgement up to `n`; true if it was news. */
  maybeUpdate(n: number): boolean {
    if (n <= this.match) return false;
    this.match = n;
    this.next = Math.max(this.next, n + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /**
   * Handles a rejection of the append whose previous index was `rejected`;
   * `matchHint` is the follower's guess of the last matching index. Returns
   * false if the rejection is stale (out of order) and was ignored.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      this.sentCommit = Math.min(this.sentCommit, this.next - 1);
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.sentCommit = Math.min(this.sentCommit, this.next - 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  /** Whether appends to this follower are currently held back. */
  isPaused(): boolean {
    return this.state === 'snapshot' ? true : this.msgAppFlowPaused;
  }

  /** A compact rendering for status output and transcripts. */
  toString(): string {
    let s = `${this.state} match=${this.match} next=${this.next}`;
    if (this.isLearner) s += ' learner';
    if (this.isPaused()) s += ' paused';
    if (this.pendingSnapshot > 0) s += ` pendingSnap=${this.pendingSnapshot}`;
    if (!this.recentActive) s += ' inactive';
    const n = this.inflights.count();
    if (n > 0) s += ` inflight=${n}${this.inflights.full() ? '[full]' : ''}`;
    return s;
  }
}
