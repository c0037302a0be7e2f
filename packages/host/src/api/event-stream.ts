/**
 * SSE responses of the host API: job events (`GET /host/jobs` and
 * `/host/jobs/:id` with `Accept: text/event-stream`) as `data: <HostEvent>`
 * lines, in the original's format (no ids, no event names). A stream ends
 * when the client goes or the server closes.
 */
import type { Clock } from '@flynn-ts/core';
import { sseResponse } from '@flynn-ts/core/http';
import type { JobManager } from '../job/job-manager.js';

export interface EventStreamOptions {
  clock?: Clock;
  keepAliveMs?: number;
  /** Ends the stream (server shutdown). */
  signal?: AbortSignal;
}

export function wantsEventStream(accept: string | undefined): boolean {
  return (accept ?? '').includes('text/event-stream');
}

/** Streams the events of job `id`, or of every job with `all`. */
export function jobEventStream(jobs: JobManager, id: string, options: EventStreamOptions): Response {
  return sseResponse(
    async (send, signal) => {
      const off = jobs.subscribe(id, (event) => void send({ data: event }));
      try {
        await new Promise<void>((resolve) => {
          if (signal.aborted) resolve();
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
      } finally {
        off();
      }
    },
    {
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.keepAliveMs !== undefined ? { keepAliveMs: options.keepAliveMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
}
