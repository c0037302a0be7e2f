/**
 * The wire shapes the executor reads and writes: the parts of the
 * controller's, the host's and the router's JSON objects it uses, with the
 * original's field names (reference §2.3, §5.4, §7.5). They are declared
 * here, by the consumer, as structural subsets, so `ControllerClient`
 * (`@flynn-ts/controller`) and `HostClient` (`@flynn-ts/host`) fit the ports
 * in ./ports.ts without this package depending on them.
 */

export type StringMap = Record<string, string>;

/** A `{request, limit}` pair as releases and host jobs carry it. */
export interface WireResourceSpec {
  request?: number;
  limit?: number;
}

export interface WireApp {
  id: string;
  name: string;
  meta?: StringMap;
  strategy?: string;
  release?: string;
  deploy_timeout?: number;
}

export interface WirePort {
  port: number;
  proto: string;
  /** `{name, create, check}` passed to the host as is. */
  service?: unknown;
}

/** A release's process type (reference §5.4 ProcessType); unknown fields are ignored. */
export interface WireProcessType {
  args?: string[];
  env?: StringMap;
  ports?: WirePort[];
  omni?: boolean;
  host_network?: boolean;
  host_pid_namespace?: boolean;
  service?: string;
  resurrect?: boolean;
  resources?: Record<string, WireResourceSpec>;
  /** Further fields (`linux_capabilities`, `profiles`, …) are read as unknown and checked. */
  [field: string]: unknown;
}

export interface WireRelease {
  id: string;
  app_id?: string;
  artifacts?: string[];
  env?: StringMap;
  meta?: StringMap;
  processes: Record<string, WireProcessType>;
}

export interface WireArtifact {
  id: string;
  type: string;
  uri?: string;
  manifest?: unknown;
  layer_url_template?: string;
}

export interface WireScaleRequest {
  id: string;
  state: string;
}

/** `GET /formations` items (expanded formations). */
export interface WireExpandedFormation {
  app: WireApp;
  release: WireRelease;
  artifacts?: WireArtifact[];
  processes: Record<string, number>;
  tags?: Record<string, StringMap>;
  updated_at?: string;
  deleted?: boolean;
  pending_scale_request?: WireScaleRequest;
}

export type WireFormationItem = { type: 'formation'; formation: WireExpandedFormation } | { type: 'current' };

/** A controller job record (`PUT /apps/:app/jobs/:job`, `GET /active-jobs`). */
export interface WireJob {
  /** `<host id>-<uuid>` once placed. */
  id?: string;
  uuid: string;
  host_id?: string;
  /** App id. */
  app: string;
  release?: string;
  type?: string;
  state: string;
  meta?: StringMap;
  exit_status?: number;
  host_error?: string;
  run_at?: string;
  restarts?: number;
  created_at?: string;
}

export interface WireDeployment {
  id: string;
  app: string;
  old_release?: string;
  new_release: string;
  strategy: string;
  status: string;
  processes?: Record<string, number>;
  tags?: Record<string, StringMap>;
  deploy_timeout: number;
  deploy_batch_size?: number;
  finished_at?: string;
}

/**
 * A deployer's progress report (`POST /deployments/:id/events`): the
 * `deployment` event's fields. `release` is the release the event is about
 * (a job of the old release: the old one); the controller defaults it to the
 * deployment's new release.
 */
export interface WireDeploymentEventReport {
  status: 'running' | 'complete' | 'failed';
  release?: string;
  job_type?: string;
  job_state?: string;
  error?: string;
}

/** A controller event (`GET /events`). */
export interface WireEvent {
  id: number;
  app?: string;
  object_type: string;
  object_id: string;
  data: unknown;
}

/** The job a host runs (`PUT /host/jobs/:id`, reference §2.3). */
export interface WireHostJob {
  id: string;
  mountspecs?: { type: string; id: string; url?: string; size?: number; hashes?: StringMap; meta?: StringMap }[];
  metadata?: StringMap;
  resources?: Record<string, WireResourceSpec>;
  partition?: 'system' | 'background' | 'user';
  config: {
    args?: string[];
    env?: StringMap;
    ports?: { port: number; proto: 'tcp' | 'udp'; service?: { name: string; create?: boolean; check?: unknown } }[];
    host_network?: boolean;
    host_pid_namespace?: boolean;
    linux_capabilities?: string[];
    writeable_cgroups?: boolean;
    working_dir?: string;
    uid?: number;
    gid?: number;
  };
  resurrect?: boolean;
  profiles?: string[];
}

export type WireHostJobStatus = 'starting' | 'running' | 'done' | 'crashed' | 'failed';

/** `GET /host/jobs/:id` (the status normalised to its name by the client). */
export interface WireActiveJob {
  job: WireHostJob;
  host_id?: string;
  status: WireHostJobStatus;
  created_at?: string;
  started_at?: string;
  ended_at?: string;
  exit_status?: number;
  error?: string;
}

export interface WireHostEvent {
  event: string;
  job_id: string;
  job: WireActiveJob;
}

/**
 * `GET /host/status`. `resources` (flynn-ts hosts, not the original's) is
 * the host's capacity (`limit`: bytes, milli-CPUs) and what its active jobs
 * requested.
 */
export interface WireHostStatus {
  id: string;
  tags?: StringMap;
  resources?: { memory?: { limit?: number; requested?: number }; cpu?: { limit?: number; requested?: number } };
}

/** A router's route (`GET /routes` of the router API). */
export interface WireRoute {
  type: string;
  id: string;
  service: string;
  drain_backends?: boolean;
}

/** A router event (`GET /events` of the router API, reference §7.5). */
export interface WireRouterEvent {
  event: 'set' | 'remove' | 'backend-up' | 'backend-down' | 'backend-drained';
  route?: WireRoute;
  backend?: { service: string; addr: string; app?: string; job_id?: string };
  error?: string;
}

/** Host job metadata keys the controller's scheduler sets (reference §2.3). */
export const META_APP = 'flynn-controller.app';
export const META_APP_NAME = 'flynn-controller.app_name';
export const META_RELEASE = 'flynn-controller.release';
export const META_TYPE = 'flynn-controller.type';
/** `"true"` on jobs the scheduler runs for a formation (one-off jobs lack it). */
export const META_FORMATION = 'flynn-controller.formation';
/** The restart count of a formation job (so a new leader learns it from the host). */
export const META_RESTARTS = 'flynn-scheduler.restarts';
