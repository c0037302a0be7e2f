/**
 * What the controller needs from a host (reference §2.2): stopping a job
 * (`DELETE /host/jobs/:id`). The full host client lives in @flynn-ts/host; any
 * object with this method fits, so the daemon can pass that client (or a
 * small adapter) without this package depending on it.
 */
export interface JobStopper {
  /**
   * Stops the job with this full id (`<host>-<uuid>`). Rejects with a
   * FlynnError whose apiCode is `not_found` when the host does not know it;
   * other failures are reported to the API caller as they are.
   */
  stopJob(jobId: string): Promise<void>;
}

/** Finds the host's client by host id; rejects (404) for an unknown host. */
export type HostClientFor = (hostId: string) => JobStopper | Promise<JobStopper>;
