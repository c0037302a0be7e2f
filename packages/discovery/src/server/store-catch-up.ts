/**
 * "Has this node caught up?": after a (re)start, a node's local state may be
 * arbitrarily old (or empty), so the store refuses local reads until one raft
 * read barrier (ReadIndex) has succeeded: at that point the state machine
 * holds every write committed before the barrier. The barrier is tried once a
 * leader is known, and retried after a failure (no leader, timeout) until it
 * succeeds or the store stops. A successful `consistent` read counts too.
 */
import type { Clock, Logger, Timer } from '@flynn-ts/core';
import type { RaftNode, RaftNodeStatus } from '@flynn-ts/raft';
import { shuttingDown } from '../core/errors.js';

export interface CatchUpOptions {
  raft: Pick<RaftNode, 'status' | 'read' | 'onStatusChange'>;
  clock: Clock;
  /** Timeout of one barrier attempt. */
  timeoutMs: number;
  /** Wait before retrying a failed attempt. */
  retryMs: number;
  logger: Logger;
}

export class CatchUp {
  private done = false;
  private inFlight = false;
  private stopped = false;
  private retry: Timer | undefined;
  private off: (() => void) | undefined;
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  constructor(private readonly o: CatchUpOptions) {}

  start(): void {
    this.off = this.o.raft.onStatusChange((s) => this.poke(s));
    this.poke(this.o.raft.status());
  }

  get isDone(): boolean {
    return this.done;
  }

  /** Resolves once caught up; rejects if the store stops first. */
  whenDone(): Promise<void> {
    if (this.done) return Promise.resolve();
    if (this.stopped) return Promise.reject(shuttingDown());
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Marks the node caught up (a barrier, or a consistent read, succeeded). */
  markDone(): void {
    if (this.done || this.stopped) return;
    this.done = true;
    this.retry?.cancel();
    this.off?.();
    this.o.logger.info({ applied: this.o.raft.status().applied }, 'caught up with the cluster; serving reads');
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.retry?.cancel();
    this.off?.();
    const err = shuttingDown();
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private poke(s: RaftNodeStatus): void {
    if (this.done || this.stopped || this.inFlight || this.retry || s.leader === '') return;
    this.inFlight = true;
    this.o.raft.read({ timeoutMs: this.o.timeoutMs }).then(
      () => {
        this.inFlight = false;
        this.markDone();
      },
      (err: unknown) => {
        this.inFlight = false;
        if (this.done || this.stopped) return;
        this.o.logger.debug({ err }, 'catch-up barrier failed; retrying');
        this.retry = this.o.clock.setTimer(this.o.retryMs, () => {
          this.retry = undefined;
          this.poke(this.o.raft.status());
        });
      },
    );
  }
}
