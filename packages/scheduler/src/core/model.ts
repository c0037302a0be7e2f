/**
 * The scheduler's own input and output model. Adapters (the controller's
 * formation stream, the host client, discovery) translate into these shapes;
 * the pure cores never see a wire type. Times are milliseconds since the
 * epoch (the driver's `Clock.now()`), memory is bytes, CPU is milli-CPUs.
 */

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;

/** Default memory request of a job: 1 GiB (reference §2.3; request defaults to limit). */
export const DEFAULT_MEMORY = GiB;
/** Default CPU request of a job: 1000 milli-CPU, one core (reference §2.3). */
export const DEFAULT_CPU = 1000;

/** App meta key: the scheduler never scales the app's only active formation to zero. */
export const META_SYSTEM_CRITICAL = 'flynn-system-critical';
/** App meta key: the app is a platform component (placed before user apps). */
export const META_SYSTEM_APP = 'flynn-system-app';
/** App meta key: batch size of the `in-batches` deploy strategy. */
export const META_DEPLOY_BATCH_SIZE = 'flynn-deploy-batch-size';

/** A `{request, limit}` pair of one resource, as in the release's process type. */
export interface ResourceSpec {
  request?: number;
  limit?: number;
}

/** The resources a process type asks for; absent ones take the defaults. */
export interface ProcessResources {
  /** Bytes. */
  memory?: ResourceSpec;
  /** Milli-CPUs. */
  cpu?: ResourceSpec;
}

/** What the planner needs to know about a resolved resource request or a host capacity. */
export interface ResourceAmount {
  /** Bytes. */
  memory: number;
  /** Milli-CPUs. */
  cpu: number;
}

/** The scheduling-relevant part of a release's process type (reference §5.4 ProcessType). */
export interface ProcessTypeSpec {
  /** One job per active host and unit of count. */
  omni?: boolean;
  /** The discoverd service the type registers; `up` then needs registration and routers. */
  service?: string;
  resources?: ProcessResources;
}

/**
 * A formation as the scheduler sees it: the controller's ExpandedFormation
 * reduced to what placement needs. `(app, release)` identifies it.
 */
export interface Formation {
  app: string;
  release: string;
  /** Desired count per process type (per host for omni types). */
  processes: Record<string, number>;
  /** Host tag constraints per process type: every key must equal the host's tag. */
  tags?: Record<string, Record<string, string>>;
  /** The release's process types. A count for a type missing here is blocked. */
  types: Record<string, ProcessTypeSpec>;
  /** App meta (`flynn-system-critical`, `flynn-system-app`, …). */
  appMeta?: Record<string, string>;
}

/** Health of a host as tracked by {@link HostHealthTracker}. */
export type HostHealth = 'up' | 'unhealthy' | 'down';

export interface HostView {
  id: string;
  tags: Record<string, string>;
  /** What the host offers to jobs. */
  capacity: ResourceAmount;
  /** The host is draining (`shutdown=true` in its discoverd meta): no new jobs. */
  shutdown?: boolean;
  /** Default `up`. `unhealthy` hosts keep their jobs but get no new ones; `down` hosts' jobs are lost. */
  health?: HostHealth;
}

/**
 * Scheduler-side job states (reference §5.4 and §6.3). `pending` and `blocked`
 * jobs wait for placement (a `pending` job with a `hostId` was sent to that
 * host); the order `pending → starting → up → stopping → down` never goes back.
 */
export type JobState = 'pending' | 'blocked' | 'starting' | 'up' | 'stopping' | 'down';

export const JOB_STATES: readonly JobState[] = ['pending', 'blocked', 'starting', 'up', 'stopping', 'down'];

export interface JobView {
  /** The job's UUID (the controller's primary key; the host job id is `<hostId>-<id>`). */
  id: string;
  app: string;
  release: string;
  type: string;
  /** Set once placed. */
  hostId?: string;
  state: JobState;
  /** How many times this job's predecessors were restarted (reference §6.4). */
  restarts: number;
  /** A pending restart is not placed before this time. */
  runAt?: number;
  /** When the host started it (used for "newest first" and the restart reset). */
  startedAt?: number;
  /** When the scheduler created it; orders jobs that have not started. */
  createdAt?: number;
  /** The job's resource request (see {@link requestFor}). */
  resources: ResourceAmount;
  /** A one-off job (`flynn run`): counted on its host, never placed, stopped or restarted. */
  oneOff?: boolean;
  /** The host's error for a job that failed to start. */
  hostError?: string;
}

/** Everything the planner sees of the cluster. Hosts missing here are gone. */
export interface ClusterView {
  hosts: readonly HostView[];
  jobs: readonly JobView[];
}

/** Why the planner stops a job. */
export type StopReason =
  /** More jobs than the formation wants. */
  | 'surplus'
  /** The host's tags no longer satisfy the formation's tag constraints. */
  | 'tags'
  /** An omni job on a host that should not have (another) one. */
  | 'omni-surplus';

/**
 * What the planner decides. The executor carries each one out:
 *
 * - `start`: send `job` (state `pending`, `hostId` set; a new id or an
 *   existing pending/blocked job) to host `hostId`.
 * - `stop`: stop job `jobId`; without `hostId` the job was never placed and
 *   is only marked `down`.
 * - `block`: these jobs cannot be placed now (`reason` says why); persist them
 *   as `blocked`. New ones carry fresh ids.
 * - `lost`: the job's host is gone; mark it `down` without calling the host.
 * - `refuse`: a scale-down the planner will not carry out (critical app).
 */
export type Action =
  | { kind: 'start'; job: JobView; hostId: string }
  | { kind: 'stop'; jobId: string; hostId?: string; app: string; release: string; type: string; reason: StopReason }
  | { kind: 'block'; app: string; release: string; type: string; jobs: JobView[]; reason: string }
  | { kind: 'lost'; jobId: string; hostId: string; app: string; release: string; type: string }
  | { kind: 'refuse'; app: string; release: string; type: string; reason: string };

export type ActionKind = Action['kind'];

/** The states in which a job counts towards its formation. */
export function isLive(state: JobState): boolean {
  return state === 'pending' || state === 'blocked' || state === 'starting' || state === 'up';
}

/** The states in which a placed job holds resources on its host. */
export function holdsResources(job: JobView): boolean {
  return job.hostId !== undefined && (job.state === 'pending' || job.state === 'starting' || job.state === 'up' || job.state === 'stopping');
}

/** The id the host knows a job by (reference §2.1: `<hostID>-<uuid>`). */
export function hostJobId(hostId: string, jobId: string): string {
  return `${hostId}-${jobId}`;
}
