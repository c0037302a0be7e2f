/**
 * SQL column lists and row → wire-object mappers. Timestamps arrive already
 * formatted (see `CONTROLLER_PG_TYPES`), jsonb as parsed JSON, ids as strings.
 */
import type {
  App,
  Artifact,
  ControllerEvent,
  Deployment,
  EventType,
  Formation,
  HttpRoute,
  Job,
  JobState,
  Provider,
  Release,
  Resource,
  ScaleRequest,
  ScaleRequestState,
  TcpRoute,
} from '../types.js';

type Row = Record<string, any>;

export const APP_COLUMNS = 'a.app_id, a.name, a.meta, a.strategy, a.release_id, a.deploy_timeout, a.created_at, a.updated_at';

export function toApp(r: Row): App {
  const app: App = {
    id: r.app_id,
    name: r.name,
    meta: r.meta ?? {},
    strategy: r.strategy,
    deploy_timeout: r.deploy_timeout,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
  if (r.release_id) app.release = r.release_id;
  return app;
}

/** Release columns; the artifact list is ordered by its index. */
export const RELEASE_COLUMNS = `r.release_id, r.app_id, r.env, r.meta, r.processes, r.created_at,
  ARRAY(SELECT ra.artifact_id::text FROM release_artifacts ra
        WHERE ra.release_id = r.release_id AND ra.deleted_at IS NULL ORDER BY ra.index) AS artifact_ids`;

export function toRelease(r: Row): Release {
  const artifacts: string[] = r.artifact_ids ?? [];
  const release: Release = {
    id: r.release_id,
    app_id: r.app_id ?? '',
    artifacts,
    env: r.env ?? {},
    meta: r.meta ?? {},
    processes: r.processes ?? {},
    created_at: r.created_at,
  };
  if (artifacts.length > 0) release.artifact = artifacts[0]!;
  return release;
}

export const ARTIFACT_COLUMNS = 'artifact_id, type, uri, meta, manifest, hashes, size, layer_url_template, created_at';

export function toArtifact(r: Row): Artifact {
  const a: Artifact = { id: r.artifact_id, type: r.type, uri: r.uri, created_at: r.created_at };
  if (r.meta) a.meta = r.meta;
  if (r.manifest) a.manifest = r.manifest;
  if (r.hashes) a.hashes = r.hashes;
  if (r.size !== null && r.size !== undefined) a.size = r.size;
  if (r.layer_url_template) a.layer_url_template = r.layer_url_template;
  return a;
}

export const FORMATION_COLUMNS = 'f.app_id, f.release_id, f.processes, f.tags, f.created_at, f.updated_at';

export function toFormation(r: Row): Formation {
  return {
    app: r.app_id,
    release: r.release_id,
    processes: r.processes ?? {},
    tags: r.tags ?? {},
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export const SCALE_COLUMNS = 's.scale_request_id, s.app_id, s.release_id, s.state, s.old_processes, s.new_processes, s.old_tags, s.new_tags, s.created_at, s.updated_at';

export function toScaleRequest(r: Row): ScaleRequest {
  const s: ScaleRequest = {
    id: r.scale_request_id,
    app: r.app_id,
    release: r.release_id,
    state: r.state as ScaleRequestState,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
  if (r.old_processes) s.old_processes = r.old_processes;
  if (r.new_processes) s.new_processes = r.new_processes;
  if (r.old_tags) s.old_tags = r.old_tags;
  if (r.new_tags) s.new_tags = r.new_tags;
  return s;
}

export const JOB_COLUMNS = `j.job_id, j.cluster_id, j.host_id, j.app_id, j.release_id, j.process_type, j.state, j.meta, j.args,
  j.volume_ids, j.exit_status, j.host_error, j.run_at, j.restarts, j.created_at, j.updated_at`;

export function toJob(r: Row): Job {
  const job: Job = { uuid: r.job_id, app: r.app_id, state: r.state as JobState, created_at: r.created_at, updated_at: r.updated_at };
  if (r.cluster_id) job.id = r.cluster_id;
  if (r.host_id) job.host_id = r.host_id;
  if (r.release_id) job.release = r.release_id;
  if (r.process_type) job.type = r.process_type;
  if (r.args) job.args = r.args;
  if (r.volume_ids && r.volume_ids.length > 0) job.volumes = r.volume_ids;
  if (r.meta) job.meta = r.meta;
  if (r.exit_status !== null && r.exit_status !== undefined) job.exit_status = r.exit_status;
  if (r.host_error !== null && r.host_error !== undefined) job.host_error = r.host_error;
  if (r.run_at) job.run_at = r.run_at;
  if (r.restarts !== null && r.restarts !== undefined) job.restarts = r.restarts;
  return job;
}

export const DEPLOYMENT_COLUMNS = `d.deployment_id, d.app_id, d.old_release_id, d.new_release_id, d.strategy, d.type, d.status, d.processes,
  d.tags, d.deploy_timeout, d.deploy_batch_size, d.created_at, d.finished_at`;

export function toDeployment(r: Row): Deployment {
  const d: Deployment = {
    id: r.deployment_id,
    app: r.app_id,
    new_release: r.new_release_id,
    type: r.type,
    strategy: r.strategy,
    status: r.status,
    deploy_timeout: r.deploy_timeout,
    created_at: r.created_at,
  };
  if (r.old_release_id) d.old_release = r.old_release_id;
  if (r.processes) d.processes = r.processes;
  if (r.tags) d.tags = r.tags;
  if (r.deploy_batch_size !== null && r.deploy_batch_size !== undefined) d.deploy_batch_size = r.deploy_batch_size;
  if (r.finished_at) d.finished_at = r.finished_at;
  return d;
}

export const PROVIDER_COLUMNS = 'p.provider_id, p.name, p.url, p.created_at, p.updated_at';

export function toProvider(r: Row): Provider {
  return { id: r.provider_id, name: r.name, url: r.url, created_at: r.created_at, updated_at: r.updated_at };
}

export const RESOURCE_COLUMNS = `res.resource_id, res.provider_id, res.external_id, res.env, res.created_at,
  ARRAY(SELECT ar.app_id::text FROM app_resources ar
        WHERE ar.resource_id = res.resource_id AND ar.deleted_at IS NULL ORDER BY ar.created_at) AS app_ids`;

export function toResource(r: Row): Resource {
  return { id: r.resource_id, provider: r.provider_id, external_id: r.external_id, env: r.env ?? {}, apps: r.app_ids ?? [], created_at: r.created_at };
}

export const HTTP_ROUTE_COLUMNS = `h.id, h.parent_ref, h.service, h.domain, h.port, h.path, h.leader, h.sticky, h.drain_backends,
  h.disable_keep_alives, h.created_at, h.updated_at,
  c.id AS cert_id, c.cert AS cert_cert, c.key AS cert_key, c.created_at AS cert_created_at, c.updated_at AS cert_updated_at`;
export const HTTP_ROUTE_FROM = `http_routes h
  LEFT JOIN route_certificates rc ON rc.http_route_id = h.id
  LEFT JOIN certificates c ON c.id = rc.certificate_id`;

export function toHttpRoute(r: Row): HttpRoute {
  const route: HttpRoute = {
    type: 'http',
    id: r.id,
    parent_ref: r.parent_ref,
    service: r.service,
    domain: r.domain,
    port: r.port,
    path: r.path,
    leader: r.leader,
    sticky: r.sticky,
    drain_backends: r.drain_backends,
    disable_keep_alives: r.disable_keep_alives,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
  if (r.cert_id) {
    route.certificate = { id: r.cert_id, cert: r.cert_cert, key: r.cert_key, created_at: r.cert_created_at, updated_at: r.cert_updated_at };
  }
  return route;
}

export const TCP_ROUTE_COLUMNS = 't.id, t.parent_ref, t.service, t.port, t.leader, t.drain_backends, t.created_at, t.updated_at';

export function toTcpRoute(r: Row): TcpRoute {
  return {
    type: 'tcp',
    id: r.id,
    parent_ref: r.parent_ref,
    service: r.service,
    port: r.port,
    leader: r.leader,
    drain_backends: r.drain_backends,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

export const EVENT_COLUMNS = 'event_id, app_id, object_type, object_id, data, created_at';

export function toEvent(r: Row): ControllerEvent {
  const e: ControllerEvent = { id: r.event_id, object_type: r.object_type as EventType, object_id: r.object_id, data: r.data, created_at: r.created_at };
  if (r.app_id) e.app = r.app_id;
  return e;
}
