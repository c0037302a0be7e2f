/**
 * What the executor needs from the rest of the cluster, as small interfaces
 * it owns (STYLE §3). `ControllerClient` from `@flynn-ts/controller` and
 * `HostClient` from `@flynn-ts/host` satisfy them structurally; tests may pass
 * anything with these methods.
 *
 * Errors: any rejection is treated as a failed call. Those carrying
 * `retry: true` or no HTTP status (connection errors, timeouts) are retried
 * with backoff; an HTTP 4xx other than 409/429 is final.
 */
import type { JobState } from '../core/model.js';
import type {
  WireActiveJob,
  WireApp,
  WireDeployment,
  WireDeploymentEventReport,
  WireEvent,
  WireExpandedFormation,
  WireFormationItem,
  WireHostEvent,
  WireHostJob,
  WireHostStatus,
  WireJob,
  WireRelease,
  WireRouterEvent,
  WireRoute,
} from './wire.js';

/** A closable async stream (the controller's and host's SSE streams). */
export interface ClosableStream<T> extends AsyncIterable<T> {
  close(): void;
}

/** What the scheduler writes for a job: its state, in order, never backwards. */
export interface JobWrite {
  uuid: string;
  /** `<host>-<uuid>` once placed. */
  id?: string;
  host_id?: string;
  app: string;
  release?: string;
  type?: string;
  state: JobState;
  meta?: Record<string, string>;
  exit_status?: number;
  host_error?: string;
  run_at?: string;
  restarts?: number;
}

/** The controller as the scheduler loop uses it. */
export interface SchedulerController {
  /** `GET /formations?active=true`. */
  formationListActive(): Promise<WireExpandedFormation[]>;
  /** `GET /formations` as SSE: the formations, `{type: 'current'}`, then changes; reconnects by itself. */
  streamFormations(options: { signal?: AbortSignal }): ClosableStream<WireFormationItem>;
  /** `GET /active-jobs`: every job that is not down. */
  jobListActive(): Promise<WireJob[]>;
  /** `PUT /apps/:app/jobs/:job`. */
  putJob(job: JobWrite): Promise<unknown>;
  /** `PUT /apps/:app/scale/:release` with `{id, state: 'complete'}`. */
  putScaleRequest(app: string, releaseId: string, request: { id: string; state: 'complete' }): Promise<unknown>;
}

/** One flynn-host's API (reference §2.2). */
export interface SchedulerHost {
  /** `PUT /host/jobs/:id`; 409 when the id exists. */
  addJob(job: WireHostJob): Promise<void>;
  /** `DELETE /host/jobs/:id`; 404 for an unknown job. */
  stopJob(id: string): Promise<void>;
  /** `PUT /host/jobs/:id/discoverd-deregister`. */
  discoverdDeregisterJob(id: string): Promise<void>;
  /** `GET /host/jobs`: every job the host knows, by id. */
  listJobs(): Promise<Record<string, WireActiveJob>>;
  /** `GET /host/status`. */
  status(): Promise<WireHostStatus>;
  /** Every job's events; `onOpen` runs on each (re)connection (the host replays nothing). */
  streamEvents(id: undefined, options: { signal?: AbortSignal; onOpen?: () => void }): ClosableStream<WireHostEvent>;
  close(): Promise<void>;
}

/** A `flynn-host` instance from discovery. */
export interface HostInstance {
  id: string;
  /** `ip:port` of its API. */
  addr: string;
}

/** Makes the client of a host (the daemon: `new HostClient({url: 'http://' + addr, timeoutMs})`). */
export type HostConnector = (host: HostInstance) => SchedulerHost;

/** One router's API (reference §7.5). */
export interface SchedulerRouter {
  /** `GET /routes`: the routes in effect. */
  routes(): Promise<WireRoute[]>;
  /** `GET /events`: current backends as `backend-up`, then every event; reconnects by itself. */
  events(options: { signal: AbortSignal; onOpen?: () => void }): AsyncIterable<WireRouterEvent>;
  close(): Promise<void>;
}

/** Makes the client of a router from its `router-api` address. */
export type RouterConnector = (addr: string) => SchedulerRouter;

/** The controller as the deployer uses it. */
export interface DeployController {
  appList(): Promise<WireApp[]>;
  getApp(idOrName: string): Promise<WireApp>;
  getRelease(id: string): Promise<WireRelease>;
  deploymentList(app: string): Promise<WireDeployment[]>;
  getDeployment(id: string): Promise<WireDeployment>;
  /** `GET /apps/:app/formations/:release`; rejects with a 404 when there is none. */
  getFormation(app: string, releaseId: string): Promise<{ processes?: Record<string, number> | null; tags?: Record<string, Record<string, string>> | null }>;
  putFormation(f: { app: string; release: string; processes: Record<string, number>; tags?: Record<string, Record<string, string>> }): Promise<unknown>;
  deleteFormation(app: string, releaseId: string): Promise<void>;
  setAppRelease(app: string, releaseId: string): Promise<unknown>;
  scheduleAppGarbageCollection(app: string): Promise<void>;
  /** `GET /events` as SSE, filtered by object type. */
  streamEvents(options: { objectTypes?: readonly ('deployment' | 'app')[]; signal?: AbortSignal }): ClosableStream<WireEvent>;
  /**
   * `POST /deployments/:id/events`: sets the deployment's status and records
   * the `deployment` event (one transaction in the controller). A finished
   * deployment answers 409 to anything but its own final status.
   */
  createDeploymentEvent(deploymentId: string, event: WireDeploymentEventReport): Promise<unknown>;
}
