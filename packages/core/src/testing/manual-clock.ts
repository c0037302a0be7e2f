import type { Clock, Timer } from '../clock.js';
import { sleepWith } from '../clock.js';

interface Pending {
  id: number;
  at: number;
  fn: () => void;
  every: number | undefined;
}

/**
 * A clock that moves only when the test says so. Timers fire in due-time order
 * (ties in creation order) during `advance()`; nothing fires on its own.
 */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers = new Map<number, Pending>();

  constructor(startMs = 1_700_000_000_000) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  monotonic(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): Timer {
    return this.add(ms, fn, undefined);
  }

  every(ms: number, fn: () => void): Timer {
    if (!(ms > 0)) throw new RangeError(`ManualClock.every: interval must be > 0, got ${ms}`);
    return this.add(ms, fn, ms);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal, false);
  }

  /** Number of timers still pending. */
  get pending(): number {
    return this.timers.size;
  }

  /** Due time of the next timer, or undefined. */
  nextDue(): number | undefined {
    let min: number | undefined;
    for (const p of this.timers.values()) if (min === undefined || p.at < min) min = p.at;
    return min;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('ManualClock.advance: negative duration');
    const end = this.t + ms;
    for (;;) {
      const next = this.earliest(end);
      if (!next) break;
      this.t = next.at;
      if (next.every !== undefined) next.at += next.every;
      else this.timers.delete(next.id);
      next.fn();
    }
    this.t = end;
  }

  /** Advances time and lets promise callbacks run between timers. */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flushMicrotasks();
      const next = this.earliest(end);
      if (!next) break;
      this.t = next.at;
      if (next.every !== undefined) next.at += next.every;
      else this.timers.delete(next.id);
      next.fn();
    }
    this.t = end;
    await flushMicrotasks();
  }

  private earliest(limit: number): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.timers.values()) {
      if (p.at > limit) continue;
      if (!best || p.at < best.at || (p.at === best.at && p.id < best.id)) best = p;
    }
    return best;
  }

  private add(ms: number, fn: () => void, every: number | undefined): Timer {
    const id = ++this.seq;
    this.timers.set(id, { id, at: this.t + Math.max(0, ms), fn, every });
    return { cancel: () => void this.timers.delete(id) };
  }
}

/** Lets queued promise callbacks run (a few macrotask-free turns). */
export async function flushMicrotasks(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}
