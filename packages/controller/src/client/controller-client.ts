/**
 * The controller's typed HTTP client (the Go client's methods, camelCased),
 * on `JsonClient` (undici; failover across URLs, retries of idempotent
 * requests) with Basic auth. Errors are `HttpError`s carrying the wire code
 * (`apiCode`) and status. Streams are async iterables that reconnect by
 * themselves and resume with `Last-Event-Id`, so a consumer sees every event
 * once, in order.
 */
import { noopLogger } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import { JsonClient, joinUrl, sseStream } from '@flynn-ts/core/http';
import type { HttpMethod, JsonRequestOptions, Query } from '@flynn-ts/core/http';
import type { Dispatcher } from 'undici';
import { basicAuthHeader } from '../api/auth.js';
import type {
  App,
  Artifact,
  ControllerEvent,
  Deployment,
  EventType,
  ExpandedFormation,
  Formation,
  Job,
  Provider,
  Release,
  Resource,
  Route,
  ScaleRequest,
  StringMap,
} from '../types.js';
import { mapEventStream } from './event-stream.js';
import type { ControllerEventStream, FormationStreamItem } from './event-stream.js';

export interface ControllerClientOptions {
  /** Base URL(s) of controller instances, e.g. `http://127.0.0.1:3000`. */
  urls: readonly string[] | (() => readonly string[]);
  /** The API key (`AUTH_KEY`). */
  key: string;
  /** Per-request deadline. Default 10 000 ms. */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  logger?: Logger;
  clock?: Clock;
  random?: Random;
}

export interface ListEventsOptions {
  appId?: string;
  objectTypes?: readonly EventType[];
  objectId?: string;
  sinceId?: number;
  beforeId?: number;
  count?: number;
}

export interface StreamEventsOptions {
  appId?: string;
  objectTypes?: readonly EventType[];
  objectId?: string;
  /** Start with past events (the newest `count` when given). */
  past?: boolean;
  count?: number;
  /** Resume after this event id. */
  lastEventId?: string | number;
  signal?: AbortSignal;
}

export type AppUpdate = Partial<Pick<App, 'meta' | 'strategy' | 'deploy_timeout'>>;
export type NewApp = Partial<Pick<App, 'id' | 'name' | 'meta' | 'strategy' | 'deploy_timeout'>>;
export type NewRelease = Partial<Omit<Release, 'id' | 'app_id' | 'created_at'>> & { id?: string };
export type NewArtifact = Omit<Artifact, 'id' | 'created_at'> & { id?: string };
export type NewRoute = Partial<Route> & Pick<Route, 'type' | 'service'>;
/** The body of `POST /apps/:id/jobs` (the original's `ct.NewJob`; see core/new-job-input.ts). */
export interface NewJob {
  release?: string;
  artifacts?: string[];
  release_env?: boolean;
  args?: string[];
  env?: StringMap;
  meta?: StringMap;
  tty?: boolean;
  tty_columns?: number;
  tty_lines?: number;
  disable_log?: boolean;
  resources?: Record<string, { request?: number; limit?: number }>;
  partition?: 'system' | 'background' | 'user';
  profiles?: string[];
  mounts_from?: string;
}
/**
 * A deployer's progress report (`POST /deployments/:id/events`): the
 * deployment event's fields. `release` defaults to the deployment's new
 * release; events about jobs of the old release carry the old one.
 */
export interface DeploymentEventReport {
  status: 'running' | 'complete' | 'failed';
  release?: string;
  job_type?: string;
  job_state?: string;
  error?: string;
}
export type ScaleRequestInput = Partial<Pick<ScaleRequest, 'id' | 'state' | 'new_processes' | 'new_tags'>>;

export class ControllerClient {
  private readonly json: JsonClient;
  private authorization: string;
  private readonly options: ControllerClientOptions;
  private readonly logger: Logger;

  constructor(options: ControllerClientOptions) {
    this.options = options;
    this.logger = options.logger ?? noopLogger;
    this.authorization = basicAuthHeader(options.key);
    this.json = new JsonClient({
      urls: options.urls,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.random ? { random: options.random } : {}),
      logger: this.logger,
    });
  }

  /** Uses another key from now on (key rotation). */
  setKey(key: string): void {
    this.authorization = basicAuthHeader(key);
  }

  /** Frees the connection pool. */
  close(): Promise<void> {
    return this.json.close();
  }

  // --- apps ---
  createApp(app: NewApp = {}): Promise<App> { return this.send('POST', '/apps', app); }
  getApp(idOrName: string): Promise<App> { return this.send('GET', `/apps/${seg(idOrName)}`); }
  appList(): Promise<App[]> { return this.send('GET', '/apps'); }
  updateApp(idOrName: string, update: AppUpdate): Promise<App> { return this.send('POST', `/apps/${seg(idOrName)}`, update); }
  updateAppMeta(idOrName: string, meta: StringMap): Promise<App> { return this.send('POST', `/apps/${seg(idOrName)}/meta`, { meta }); }
  async deleteApp(idOrName: string): Promise<void> { await this.send('DELETE', `/apps/${seg(idOrName)}`); }
  /** Deletes old slug releases (`gc.max_inactive_slug_releases`). */
  async scheduleAppGarbageCollection(idOrName: string): Promise<void> { await this.send('POST', `/apps/${seg(idOrName)}/gc`); }

  // --- artifacts and releases ---
  createArtifact(artifact: NewArtifact): Promise<Artifact> { return this.send('POST', '/artifacts', artifact); }
  getArtifact(id: string): Promise<Artifact> { return this.send('GET', `/artifacts/${seg(id)}`); }
  artifactList(): Promise<Artifact[]> { return this.send('GET', '/artifacts'); }
  createRelease(appId: string, release: NewRelease = {}): Promise<Release> { return this.send('POST', '/releases', { ...release, app_id: appId }); }
  getRelease(id: string): Promise<Release> { return this.send('GET', `/releases/${seg(id)}`); }
  releaseList(): Promise<Release[]> { return this.send('GET', '/releases'); }
  appReleaseList(app: string): Promise<Release[]> { return this.send('GET', `/apps/${seg(app)}/releases`); }
  getAppRelease(app: string): Promise<Release> { return this.send('GET', `/apps/${seg(app)}/release`); }
  setAppRelease(app: string, releaseId: string): Promise<Release> { return this.send('PUT', `/apps/${seg(app)}/release`, { id: releaseId }); }
  async deleteRelease(app: string, releaseId: string): Promise<void> { await this.send('DELETE', `/apps/${seg(app)}/releases/${seg(releaseId)}`); }

  // --- formations and scaling ---
  putFormation(f: Pick<Formation, 'app' | 'release'> & Partial<Formation>): Promise<Formation> {
    return this.send('PUT', `/apps/${seg(f.app)}/formations/${seg(f.release)}`, { processes: f.processes, tags: f.tags });
  }
  getFormation(app: string, releaseId: string): Promise<Formation> { return this.send('GET', `/apps/${seg(app)}/formations/${seg(releaseId)}`); }
  getExpandedFormation(app: string, releaseId: string): Promise<ExpandedFormation> {
    return this.send('GET', `/apps/${seg(app)}/formations/${seg(releaseId)}`, undefined, { expand: 'true' });
  }
  formationList(app: string): Promise<Formation[]> { return this.send('GET', `/apps/${seg(app)}/formations`); }
  formationListActive(): Promise<ExpandedFormation[]> { return this.send('GET', '/formations', undefined, { active: 'true' }); }
  async deleteFormation(app: string, releaseId: string): Promise<void> { await this.send('DELETE', `/apps/${seg(app)}/formations/${seg(releaseId)}`); }
  putScaleRequest(app: string, releaseId: string, req: ScaleRequestInput): Promise<ScaleRequest> {
    return this.send('PUT', `/apps/${seg(app)}/scale/${seg(releaseId)}`, req);
  }

  // --- jobs and deployments ---
  putJob(job: Partial<Job> & Pick<Job, 'app' | 'uuid' | 'state'>): Promise<Job> { return this.send('PUT', `/apps/${seg(job.app)}/jobs/${seg(job.id ?? job.uuid)}`, job); }
  getJob(app: string, jobId: string): Promise<Job> { return this.send('GET', `/apps/${seg(app)}/jobs/${seg(jobId)}`); }
  jobList(app: string): Promise<Job[]> { return this.send('GET', `/apps/${seg(app)}/jobs`); }
  jobListActive(): Promise<Job[]> { return this.send('GET', '/active-jobs'); }
  /** Runs a one-off job detached (never re-sent: that could run it twice); resolves with the job as recorded. */
  runJob(app: string, job: NewJob = {}): Promise<Job> { return this.send('POST', `/apps/${seg(app)}/jobs`, job); }
  async deleteJob(app: string, jobId: string): Promise<void> { await this.send('DELETE', `/apps/${seg(app)}/jobs/${seg(jobId)}`); }
  createDeployment(app: string, releaseId: string): Promise<Deployment> { return this.send('POST', `/apps/${seg(app)}/deploy`, { id: releaseId }); }
  getDeployment(id: string): Promise<Deployment> { return this.send('GET', `/deployments/${seg(id)}`); }
  deploymentList(app: string): Promise<Deployment[]> { return this.send('GET', `/apps/${seg(app)}/deployments`); }
  /**
   * For deployers: sets the deployment's status and records the `deployment`
   * event; resolves with the deployment as it now is. The status only moves
   * forward (a finished deployment answers 409, except to its own final
   * status again, which changes nothing). Like every POST, re-sent only when
   * it cannot have arrived or the controller answered a retryable error.
   */
  createDeploymentEvent(deploymentId: string, event: DeploymentEventReport): Promise<Deployment> {
    return this.send('POST', `/deployments/${seg(deploymentId)}/events`, event);
  }

  // --- routes ---
  routeList(): Promise<Route[]> { return this.send('GET', '/routes'); }
  /** All routes and the newest event id at the time of the listing (see `Flynn-Event-Id`). */
  async routeSnapshot(): Promise<{ routes: Route[]; eventId: number | undefined }> {
    const res = await this.json.send<Route[]>('GET', '/routes', this.requestOptions());
    const header = res.headers.get('flynn-event-id');
    return { routes: res.data ?? [], eventId: header !== null && /^\d+$/.test(header) ? Number(header) : undefined };
  }
  appRouteList(app: string): Promise<Route[]> { return this.send('GET', `/apps/${seg(app)}/routes`); }
  createRoute(app: string, route: NewRoute): Promise<Route> { return this.send('POST', `/apps/${seg(app)}/routes`, route); }
  /** `routeId` is `http/<uuid>` or `tcp/<uuid>`. */
  getRoute(app: string, routeId: string): Promise<Route> { return this.send('GET', `/apps/${seg(app)}/routes/${routePath(routeId)}`); }
  updateRoute(app: string, routeId: string, route: NewRoute): Promise<Route> { return this.send('PUT', `/apps/${seg(app)}/routes/${routePath(routeId)}`, route); }
  async deleteRoute(app: string, routeId: string): Promise<void> { await this.send('DELETE', `/apps/${seg(app)}/routes/${routePath(routeId)}`); }

  // --- providers and resources ---
  createProvider(p: Pick<Provider, 'name' | 'url'>): Promise<Provider> { return this.send('POST', '/providers', p); }
  getProvider(idOrName: string): Promise<Provider> { return this.send('GET', `/providers/${seg(idOrName)}`); }
  providerList(): Promise<Provider[]> { return this.send('GET', '/providers'); }
  provisionResource(provider: string, req: { apps?: string[]; config?: Record<string, unknown> } = {}): Promise<Resource> {
    return this.send('POST', `/providers/${seg(provider)}/resources`, req);
  }
  getResource(provider: string, id: string): Promise<Resource> { return this.send('GET', `/providers/${seg(provider)}/resources/${seg(id)}`); }
  resourceList(provider: string): Promise<Resource[]> { return this.send('GET', `/providers/${seg(provider)}/resources`); }
  resourceListAll(): Promise<Resource[]> { return this.send('GET', '/resources'); }
  putResource(provider: string, r: Pick<Resource, 'id' | 'external_id'> & Partial<Resource>): Promise<Resource> {
    return this.send('PUT', `/providers/${seg(provider)}/resources/${seg(r.id)}`, { external_id: r.external_id, env: r.env, apps: r.apps });
  }
  deleteResource(provider: string, id: string): Promise<Resource> { return this.send('DELETE', `/providers/${seg(provider)}/resources/${seg(id)}`); }
  addResourceApp(provider: string, id: string, app: string): Promise<Resource> { return this.send('PUT', `/providers/${seg(provider)}/resources/${seg(id)}/apps/${seg(app)}`); }
  deleteResourceApp(provider: string, id: string, app: string): Promise<Resource> { return this.send('DELETE', `/providers/${seg(provider)}/resources/${seg(id)}/apps/${seg(app)}`); }
  appResourceList(app: string): Promise<Resource[]> { return this.send('GET', `/apps/${seg(app)}/resources`); }

  // --- events ---
  listEvents(o: ListEventsOptions = {}): Promise<ControllerEvent[]> {
    return this.send('GET', '/events', undefined, eventQuery(o));
  }
  getEvent(id: number): Promise<ControllerEvent> { return this.send('GET', `/events/${id}`); }

  /** A live event stream; iterate it once, `close()` or `break` to stop. */
  streamEvents(o: StreamEventsOptions = {}): ControllerEventStream {
    const query: Query = { ...eventQuery(o), ...(o.past ? { past: 'true' } : {}) };
    return mapEventStream(this.stream('/events', query, o.lastEventId, o.signal), (m) => JSON.parse(m.data) as ControllerEvent);
  }

  /**
   * Expanded formations for schedulers: those updated since `since`, then
   * `{type: 'current'}`, then every change.
   */
  streamFormations(o: { since?: string; signal?: AbortSignal } = {}): AsyncIterable<FormationStreamItem> & { close(): void } {
    const stream = this.stream('/formations', o.since ? { since: o.since } : {}, undefined, o.signal);
    return mapEventStream(stream, (m): FormationStreamItem => {
      const data = JSON.parse(m.data) as ExpandedFormation | Record<string, never>;
      return 'app' in data ? { type: 'formation', formation: data as ExpandedFormation } : { type: 'current' };
    });
  }

  /** `GET /ping` (no key needed). */
  async ping(): Promise<void> { await this.json.request('GET', '/ping'); }
  /** The cluster CA certificate (PEM). */
  async getCACert(): Promise<string> {
    const res = await fetch(joinUrl(this.json.currentUrl ?? '', '/ca-cert'));
    return res.text();
  }

  private stream(path: string, query: Query, lastEventId: string | number | undefined, signal: AbortSignal | undefined) {
    const url = joinUrl(this.json.currentUrl ?? '', path, query);
    return sseStream(url, {
      headers: { authorization: this.authorization },
      ...(lastEventId !== undefined ? { lastEventId: String(lastEventId) } : {}),
      ...(signal ? { signal } : {}),
      ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...(this.options.random ? { random: this.options.random } : {}),
      backoff: { initialMs: 100, maxMs: 5_000 },
      logger: this.logger,
    });
  }

  private requestOptions(body?: unknown, query?: Query): JsonRequestOptions {
    return { headers: { authorization: this.authorization }, ...(body !== undefined ? { body } : {}), ...(query ? { query } : {}) };
  }

  private send<T>(method: HttpMethod, path: string, body?: unknown, query?: Query): Promise<T> {
    return this.json.request<T>(method, path, this.requestOptions(body, query));
  }
}

function seg(s: string): string {
  return encodeURIComponent(s);
}

function routePath(routeId: string): string {
  const i = routeId.indexOf('/');
  return i < 0 ? seg(routeId) : `${seg(routeId.slice(0, i))}/${seg(routeId.slice(i + 1))}`;
}

function eventQuery(o: ListEventsOptions): Query {
  return {
    ...(o.appId ? { app_id: o.appId } : {}),
    ...(o.objectTypes && o.objectTypes.length > 0 ? { object_types: o.objectTypes.join(',') } : {}),
    ...(o.objectId ? { object_id: o.objectId } : {}),
    ...(o.sinceId !== undefined ? { since_id: o.sinceId } : {}),
    ...(o.beforeId !== undefined ? { before_id: o.beforeId } : {}),
    ...(o.count !== undefined ? { count: o.count } : {}),
  };
}
