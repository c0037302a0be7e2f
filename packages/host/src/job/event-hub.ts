/**
 * Fans job events out to subscribers of one job id or of `all`, in order and
 * synchronously (a subscriber that needs to do I/O queues it). A throwing
 * subscriber is logged and does not stop the others.
 */
import type { Logger } from '@flynn-ts/core';
import { channels, noopLogger, publish } from '@flynn-ts/core';
import type { HostEvent } from '../types.js';

export type HostEventListener = (event: HostEvent) => void;

export const ALL_JOBS = 'all';

export class EventHub {
  private readonly listeners = new Map<string, Set<HostEventListener>>();

  constructor(private readonly logger: Logger = noopLogger) {}

  /** Listens to one job's events, or every job's with {@link ALL_JOBS}; returns the unsubscribe. */
  subscribe(jobId: string, listener: HostEventListener): () => void {
    let set = this.listeners.get(jobId);
    if (!set) this.listeners.set(jobId, (set = new Set()));
    // Wrap so the same function can subscribe twice and unsubscribe once.
    const entry: HostEventListener = (e) => listener(e);
    set.add(entry);
    return () => {
      const s = this.listeners.get(jobId);
      if (!s) return;
      s.delete(entry);
      if (s.size === 0) this.listeners.delete(jobId);
    };
  }

  emit(event: HostEvent): void {
    publish(channels.hostJobEvent, event);
    for (const key of [ALL_JOBS, event.job_id]) {
      const set = this.listeners.get(key);
      if (!set) continue;
      for (const listener of [...set]) {
        try {
          listener(event);
        } catch (err) {
          this.logger.error({ err, event: event.event, jobId: event.job_id }, 'job event listener threw');
        }
      }
    }
  }

  get subscriberCount(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }
}
