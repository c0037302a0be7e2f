/**
 * The controller's wire model (reference §5.4): the JSON objects the HTTP API
 * takes and returns, with the original's field names. Timestamps are RFC 3339
 * strings with trailing zeros of the fraction trimmed (Go's RFC3339Nano).
 */

export type StringMap = Record<string, string>;
/** Process type → count. */
export type ProcessCounts = Record<string, number>;
/** Process type → host tag constraints. */
export type ProcessTags = Record<string, StringMap>;

export const DEPLOYMENT_STRATEGIES = ['all-at-once', 'one-by-one', 'one-down-one-up', 'in-batches', 'sirenia', 'discoverd-meta'] as const;
export type DeploymentStrategy = (typeof DEPLOYMENT_STRATEGIES)[number];

export interface App {
  id: string;
  name: string;
  meta: StringMap;
  strategy: string;
  /** The current release, when one is set. */
  release?: string;
  deploy_timeout: number;
  created_at: string;
  updated_at: string;
}

export const ARTIFACT_TYPES = ['flynn', 'docker', 'file'] as const;
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];

export interface Artifact {
  id: string;
  type: ArtifactType;
  uri: string;
  meta?: StringMap;
  manifest?: unknown;
  hashes?: StringMap;
  size?: number;
  layer_url_template?: string;
  created_at: string;
}

export interface Port {
  port: number;
  proto: string;
  service?: unknown;
}

export interface VolumeReq {
  path?: string;
  delete_on_stop?: boolean;
}

/** A process type of a release; unknown fields of newer clients are kept as sent. */
export interface ProcessType {
  args?: string[];
  env?: StringMap;
  ports?: Port[];
  volumes?: VolumeReq[];
  omni?: boolean;
  host_network?: boolean;
  host_pid_namespace?: boolean;
  service?: string;
  resurrect?: boolean;
  resources?: Record<string, { request?: number; limit?: number }>;
  [field: string]: unknown;
}

export interface Release {
  id: string;
  app_id: string;
  /** Artifact ids, in order. */
  artifacts: string[];
  /** Legacy: the first artifact. */
  artifact?: string;
  env: StringMap;
  meta: StringMap;
  processes: Record<string, ProcessType>;
  created_at: string;
}

export interface Formation {
  app: string;
  release: string;
  processes: ProcessCounts;
  tags: ProcessTags;
  created_at?: string;
  updated_at?: string;
}

export const SCALE_REQUEST_STATES = ['pending', 'cancelled', 'complete'] as const;
export type ScaleRequestState = (typeof SCALE_REQUEST_STATES)[number];

export interface ScaleRequest {
  id: string;
  app: string;
  release: string;
  state: ScaleRequestState;
  old_processes?: ProcessCounts;
  new_processes?: ProcessCounts;
  old_tags?: ProcessTags;
  new_tags?: ProcessTags;
  created_at: string;
  updated_at: string;
}

export interface ExpandedFormation {
  app: App;
  release: Release;
  artifacts: Artifact[];
  processes: ProcessCounts;
  tags: ProcessTags;
  updated_at: string;
  /** Present (true) when the formation was deleted. */
  deleted?: boolean;
  pending_scale_request?: ScaleRequest;
}

export const JOB_STATES = ['pending', 'blocked', 'starting', 'up', 'stopping', 'down', 'crashed', 'failed'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface Job {
  /** `<host id>-<uuid>`; absent while pending. */
  id?: string;
  uuid: string;
  host_id?: string;
  app: string;
  release?: string;
  type?: string;
  state: JobState;
  args?: string[];
  volumes?: string[];
  meta?: StringMap;
  exit_status?: number;
  host_error?: string;
  run_at?: string;
  restarts?: number;
  created_at: string;
  updated_at: string;
}

export const DEPLOYMENT_STATUSES = ['pending', 'running', 'complete', 'failed'] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export interface Deployment {
  id: string;
  app: string;
  old_release?: string;
  new_release: string;
  /** `code` when the artifacts changed, else `config`. */
  type: 'code' | 'config';
  strategy: string;
  status: DeploymentStatus;
  processes?: ProcessCounts;
  tags?: ProcessTags;
  deploy_timeout: number;
  deploy_batch_size?: number;
  created_at: string;
  finished_at?: string;
}

/** Data of `deployment` events. */
export interface DeploymentEvent {
  app: string;
  deployment: string;
  release: string;
  status: DeploymentStatus;
  job_type?: string;
  job_state?: string;
  error?: string;
}

export interface Provider {
  id: string;
  name: string;
  url: string;
  created_at: string;
  updated_at: string;
}

export interface Resource {
  id: string;
  provider: string;
  external_id: string;
  env: StringMap;
  apps: string[];
  created_at: string;
}

export interface Certificate {
  id?: string;
  cert: string;
  key: string;
  routes?: string[];
  created_at?: string;
  updated_at?: string;
}

export interface HttpRoute {
  type: 'http';
  id: string;
  parent_ref?: string;
  service: string;
  domain: string;
  /** 0 = the router's default ports. */
  port: number;
  path: string;
  leader: boolean;
  sticky: boolean;
  drain_backends: boolean;
  disable_keep_alives: boolean;
  certificate?: Certificate;
  created_at: string;
  updated_at: string;
}

export interface TcpRoute {
  type: 'tcp';
  id: string;
  parent_ref?: string;
  service: string;
  port: number;
  leader: boolean;
  drain_backends: boolean;
  created_at: string;
  updated_at: string;
}

export type Route = HttpRoute | TcpRoute;

/** Route ownership marker: `controller/apps/<app id>`. */
export const ROUTE_PARENT_REF_PREFIX = 'controller/apps/';

export const EVENT_TYPES = [
  'app',
  'app_deletion',
  'app_release',
  'deployment',
  'job',
  'scale',
  'scale_request',
  'scale_request_cancelation',
  'release',
  'release_deletion',
  'artifact',
  'provider',
  'resource',
  'resource_deletion',
  'resource_app_deletion',
  'key',
  'key_deletion',
  'route',
  'route_deletion',
  'domain_migration',
  'cluster_backup',
  'app_garbage_collection',
  'sink',
  'sink_deletion',
  'volume',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface ControllerEvent<T = unknown> {
  id: number;
  app?: string;
  object_type: EventType;
  object_id: string;
  data: T;
  created_at: string;
}

/** Data of `app_release` events. */
export interface AppRelease {
  prev_release?: Release;
  release: Release;
}

export interface AppDeletion {
  app: string;
  deleted_routes: Route[];
  deleted_resources: Resource[];
  deleted_releases: Release[];
}

/** Data of `app_deletion` events. */
export interface AppDeletionEvent {
  app_deletion: AppDeletion;
  error: string;
}

/** Data of `release_deletion` events. */
export interface ReleaseDeletionEvent {
  release_deletion: { app: string; release: string; remaining_apps: string[]; deleted_files: string[] };
  error: string;
}
