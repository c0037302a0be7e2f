/**
 * Follows a one-off job on its host and records its state (`up`, then `down`
 * with the exit status) until it is down or `signal` aborts. A scheduler
 * does the same for every job it watches; both write forward-only, so
 * neither takes a job back.
 *
 * The host keeps no event history, so each (re)connection of the event
 * stream is followed by a `GET` of the job: a transition made while the
 * stream was not connected is still seen.
 */
import type { Logger } from '@flynn-ts/core';
import { linkSignals } from '@flynn-ts/core';
import type { ObservedJobState } from '../core/job-state.js';
import { isDownState, jobStateFromHost } from '../core/job-state.js';
import type { HostActiveJob, JobWatcher } from '../host-client.js';

export interface FollowJobOptions {
  watcher: JobWatcher;
  /** The full id (`<host>-<uuid>`). */
  jobId: string;
  /** Records an observed state (forward-only); a rejection is logged and following goes on. */
  record: (state: ObservedJobState) => Promise<void>;
  signal: AbortSignal;
  logger: Logger;
}

/** Resolves when the job is down, `signal` aborted, or the host's stream ended for good. Never rejects. */
export async function followJob(o: FollowJobOptions): Promise<void> {
  const linked = linkSignals([o.signal]);
  const log = o.logger.child({ jobId: o.jobId });
  // Records are chained so they are written in the order they were seen.
  let chain = Promise.resolve();
  const observe = (job: HostActiveJob | undefined) => {
    const observed = job ? jobStateFromHost(job) : undefined;
    if (!observed) return;
    chain = chain.then(() => o.record(observed)).catch((err: unknown) => log.warn({ event: 'job_state_record_failed', err }, 'could not record the job state'));
    if (isDownState(observed.state)) linked.abort();
  };
  const catchUp = () => {
    o.watcher.getJob(o.jobId).then(observe, (err: unknown) => {
      if (!linked.signal.aborted) log.debug({ event: 'job_get_failed', err }, 'could not read the job from its host');
    });
  };
  try {
    for await (const event of o.watcher.streamEvents(o.jobId, { signal: linked.signal, onOpen: catchUp })) {
      if (event.job_id !== o.jobId) continue;
      observe(event.job);
      if (linked.signal.aborted) break;
    }
  } catch (err) {
    if (!linked.signal.aborted) log.warn({ event: 'job_follow_failed', err }, 'stopped following the job');
  } finally {
    linked.dispose();
    await chain;
  }
}
