/**
 * What the controller needs from a host (reference §2.2), declared here, by
 * the consumer: stopping a job (`DELETE /host/jobs/:id`) for kills, and, for
 * one-off jobs, starting one (`PUT /host/jobs/:id`) plus the host's base URL
 * for `POST /attach`. Following a job's state (`GET /host/jobs/:id` and its
 * event stream) is a further, optional capability. The full host client lives
 * in @flynn-ts/host: its `HostClient` has all of these methods, so the daemon
 * passes it as is, without this package depending on the host package.
 *
 * Capabilities added later are separate interfaces detected by the type
 * guards below; `JobStopper` itself is never widened.
 */
import type { StringMap } from './types.js';

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

/** One image layer of a host job (reference §2.3 `mountspecs[]`). */
export interface HostMountSpec {
  type: string;
  id: string;
  url?: string;
  size?: number;
  hashes?: StringMap;
  meta?: StringMap;
}

/** A bind mount of a host job's config (`ProcessType.mounts` of a release). */
export interface HostMount {
  location: string;
  target: string;
  writeable?: boolean;
  device?: string;
  data?: string;
  flags?: number;
}

/** The job the controller PUTs to `/host/jobs/:id` (reference §2.3), in the host's field names. */
export interface HostJob {
  id: string;
  mountspecs?: HostMountSpec[];
  metadata?: StringMap;
  resources?: Partial<Record<'memory' | 'cpu' | 'temp_disk' | 'max_fd' | 'max_procs', { request?: number; limit?: number }>>;
  partition?: 'system' | 'background' | 'user';
  config: {
    args?: string[];
    env?: StringMap;
    tty?: boolean;
    stdin?: boolean;
    disable_log?: boolean;
    working_dir?: string;
    uid?: number;
    gid?: number;
    mounts?: HostMount[];
  };
  profiles?: string[];
}

/**
 * What a host says about one job (`GET /host/jobs/:id`): `status` is a name
 * (`starting`, `running`, `done`, `crashed`, `failed`) or, from an original
 * flynn-host, the same as a number 0–4.
 */
export interface HostActiveJob {
  status?: unknown;
  exit_status?: number;
  error?: string;
}

/** One event of a host's job stream (`{event, job_id, job}`). */
export interface HostJobEvent {
  event: string;
  job_id: string;
  job?: HostActiveJob;
}

/** A host that can run one-off jobs. */
export interface JobRunner extends JobStopper {
  /** The host API's base URL (`http://10.0.0.1:1113`); the controller opens `POST /attach` there. */
  readonly url: string;
  /** `PUT /host/jobs/:id`; resolves once the host accepted the job (it starts asynchronously). */
  addJob(job: HostJob): Promise<void>;
  /** Resolves when the host answers; hosts that do not are skipped when picking one. Optional. */
  ping?(signal?: AbortSignal): Promise<void>;
}

/** A host whose jobs can be followed (the controller records their state). */
export interface JobWatcher {
  getJob(jobId: string): Promise<HostActiveJob>;
  /**
   * The job's events until `signal` aborts; `onOpen` is called on every
   * (re)connection, after which every later event is delivered.
   */
  streamEvents(jobId: string, options: { signal?: AbortSignal; onOpen?: () => void }): AsyncIterable<HostJobEvent>;
}

export function isJobRunner(client: JobStopper): client is JobRunner {
  const c = client as Partial<JobRunner>;
  return typeof c.addJob === 'function' && typeof c.url === 'string';
}

export function isJobWatcher(client: unknown): client is JobWatcher {
  const c = client as Partial<JobWatcher> | null;
  return typeof c === 'object' && c !== null && typeof c.getJob === 'function' && typeof c.streamEvents === 'function';
}

/** A host a one-off job may be placed on. */
export interface HostInfo {
  /** The host id (job ids are `<id>-<uuid>`). */
  id: string;
  /** Its API base URL, when known. */
  url?: string;
  tags?: StringMap;
}
