/**
 * What an attach session needs from the job manager (the consumer owns the
 * interface; `JobManager` implements it).
 */
import type { ContainerExit, ContainerHandle } from '../contracts.js';
import type { ActiveJob, HostEvent } from '../types.js';

export interface AttachableJob {
  job: ActiveJob;
  handle: ContainerHandle;
  /** Resolves when the container exited. */
  exit: Promise<ContainerExit>;
  /** Where "from now on" starts in the job's output (undefined: from the start). */
  liveCursor: string | undefined;
  /** Lets the job be cleaned up; call once when the session ends. */
  release(): void;
}

export interface AttachTarget {
  get(id: string): ActiveJob | undefined;
  /** Job events; returns the unsubscribe. Listeners run synchronously at the transition. */
  subscribe(id: string, listener: (event: HostEvent) => void): () => void;
  /**
   * A started job's handle, holding its cleanup until `release()`; undefined
   * when the job has no container (not started, failed, or cleaned up).
   */
  attachable(id: string): AttachableJob | undefined;
}
