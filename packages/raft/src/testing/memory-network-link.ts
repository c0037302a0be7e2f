/**
 * One direction of a `MemoryNetwork` link: a queue ordered by due time and a
 * single clock timer armed for its head. Items due at the same time leave in
 * queue order, so a link is FIFO unless an item is enqueued with `overtake`.
 */
import type { Clock, Timer } from '@flynn-ts/core';
import type { NodeId } from '../core/types.js';
import type { MemoryTransport } from './memory-network-transport.js';

export interface LinkItem {
  /** Due time on `clock.monotonic()`. */
  at: number;
  sender: MemoryTransport;
  /** Network node id the link leads to. */
  target: NodeId;
  /** `msg.to`, as reported back to the sender. */
  to: NodeId;
  bytes: Uint8Array;
  snap: boolean;
  /** Lost in transit: nothing is delivered, but a snapshot reports failure when due. */
  lost: boolean;
  /** A duplicate made by the network (reports nothing back). */
  copy: boolean;
}

export class NetworkLink {
  private queue: LinkItem[] = [];
  private timer: Timer | undefined;
  private timerAt = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly deliver: (item: LinkItem) => void,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  /**
   * Queues `item`. In order, it is due no earlier than the last queued item.
   * With `overtake` (a position chosen by the caller, below the queue length),
   * it jumps ahead of the item at that position and takes its due time, so it
   * arrives before messages sent earlier.
   */
  enqueue(item: LinkItem, overtake?: number): void {
    const last = this.queue[this.queue.length - 1];
    const slot = overtake === undefined ? undefined : this.queue[overtake];
    if (slot) {
      this.queue.splice(overtake!, 0, { ...item, at: slot.at });
    } else {
      this.queue.push(last && last.at > item.at ? { ...item, at: last.at } : item);
    }
    this.arm();
  }

  /** Removes queued items matching `pred` (without reporting anything). */
  purge(pred: (item: LinkItem) => boolean): void {
    this.queue = this.queue.filter((i) => !pred(i));
    if (this.queue.length === 0) this.disarm();
  }

  private arm(): void {
    const head = this.queue[0];
    if (!head) return this.disarm();
    if (this.timer && this.timerAt <= head.at) return;
    this.disarm();
    this.timerAt = head.at;
    this.timer = this.clock.setTimer(Math.max(0, head.at - this.clock.monotonic()), () => this.fire());
  }

  private disarm(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    try {
      const now = this.clock.monotonic();
      while (this.queue.length > 0 && this.queue[0]!.at <= now) this.deliver(this.queue.shift()!);
    } finally {
      // Re-arm even when a receiver's handler threw, so the rest still arrives.
      this.arm();
    }
  }
}
