/**
 * Formation, scale request and job bodies, and the pure rule that turns a
 * scale request into the new formation (reference §5.3/5.4; the original's
 * `FormationRepo.AddScaleRequest`): counts and tags named in the request
 * replace those of the current formation, types not named keep theirs.
 */
import { validationError } from '../errors.js';
import { JOB_STATES, SCALE_REQUEST_STATES } from '../types.js';
import type { JobState, ProcessCounts, ProcessTags, ScaleRequestState, StringMap } from '../types.js';
import { asObject, canonicalUuid, countMap, int, rejectUnknown, str, stringArray, stringMap, tagsMap, uuid } from './validate.js';

const FORMATION_FIELDS = ['app', 'release', 'processes', 'tags', 'created_at', 'updated_at'] as const;
const SCALE_FIELDS = ['id', 'app', 'release', 'state', 'old_processes', 'new_processes', 'old_tags', 'new_tags', 'created_at', 'updated_at'] as const;
const JOB_FIELDS = [
  'id', 'uuid', 'host_id', 'app', 'release', 'type', 'state', 'cmd', 'args', 'volumes', 'meta', 'exit_status',
  'host_error', 'run_at', 'restarts', 'created_at', 'updated_at',
] as const;

export interface FormationInput {
  /** Absent (or null) = scale every process type of the release to 0. */
  processes?: ProcessCounts;
  tags?: ProcessTags;
}

export interface ScaleRequestInput {
  id?: string;
  state: ScaleRequestState;
  newProcesses?: ProcessCounts;
  newTags?: ProcessTags;
}

export interface JobInput {
  uuid: string;
  clusterId?: string;
  hostId?: string;
  app?: string;
  release?: string;
  type?: string;
  state: JobState;
  args?: string[];
  volumes?: string[];
  meta?: StringMap;
  exitStatus?: number;
  hostError?: string;
  runAt?: string;
  restarts?: number;
}

/** `PUT /apps/:id/formations/:release`. */
export function parseFormationInput(body: unknown): FormationInput {
  const o = asObject(body);
  rejectUnknown(o, FORMATION_FIELDS);
  const out: FormationInput = {};
  const processes = countMap(o, 'processes');
  if (processes) out.processes = processes;
  const tags = tagsMap(o, 'tags');
  if (tags) out.tags = tags;
  return out;
}

/** `PUT /apps/:id/scale/:release`. A missing state means `pending` (a new request). */
export function parseScaleRequestInput(body: unknown): ScaleRequestInput {
  const o = asObject(body);
  rejectUnknown(o, SCALE_FIELDS);
  const state = (str(o, 'state', { oneOf: SCALE_REQUEST_STATES }) || 'pending') as ScaleRequestState;
  const out: ScaleRequestInput = { state };
  const id = uuid(o, 'id');
  if (id) out.id = id;
  if (state !== 'pending' && !id) throw validationError('id', `is required to set a scale request to ${state}`);
  const processes = countMap(o, 'new_processes');
  if (processes) out.newProcesses = processes;
  const tags = tagsMap(o, 'new_tags');
  if (tags) out.newTags = tags;
  return out;
}

/** `PUT /apps/:id/jobs/:job`; `pathJobId` is `<uuid>` or `<host>-<uuid>`. */
export function parseJobInput(body: unknown, pathJobId: string): JobInput {
  const o = asObject(body);
  rejectUnknown(o, JOB_FIELDS);
  const fromPath = splitJobId(pathJobId);
  const clusterId = str(o, 'id', { maxLength: 255 }) || (fromPath?.hostId ? pathJobId : undefined);
  const fromBody = clusterId ? splitJobId(clusterId) : undefined;
  const jobUuid = uuid(o, 'uuid') ?? fromBody?.uuid ?? fromPath?.uuid;
  if (!jobUuid) throw validationError('uuid', 'is required');
  if (fromPath && fromPath.uuid !== jobUuid) throw validationError('uuid', 'does not match the job id in the path');
  const state = str(o, 'state', { required: true, oneOf: JOB_STATES }) as JobState;
  const out: JobInput = { uuid: jobUuid, state };
  if (clusterId) out.clusterId = clusterId;
  const hostId = str(o, 'host_id', { maxLength: 255 }) || fromBody?.hostId;
  if (hostId) out.hostId = hostId;
  const app = uuid(o, 'app');
  if (app) out.app = app;
  const release = uuid(o, 'release');
  if (release) out.release = release;
  const type = str(o, 'type', { maxLength: 255 });
  if (type) out.type = type;
  const args = stringArray(o, 'args') ?? stringArray(o, 'cmd');
  if (args) out.args = args;
  const volumes = stringArray(o, 'volumes');
  if (volumes) out.volumes = volumes;
  const meta = stringMap(o, 'meta');
  if (meta) out.meta = meta;
  const exitStatus = int(o, 'exit_status');
  if (exitStatus !== undefined) out.exitStatus = exitStatus;
  const hostError = str(o, 'host_error');
  if (hostError !== undefined) out.hostError = hostError;
  const runAt = str(o, 'run_at');
  if (runAt) {
    const ms = Date.parse(runAt);
    if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(runAt) || ms < 0 || ms > 253402300799999) throw validationError('run_at', 'must be an RFC 3339 date-time');
    out.runAt = new Date(ms).toISOString();
  }
  const restarts = int(o, 'restarts', { min: 0 });
  if (restarts !== undefined) out.restarts = restarts;
  return out;
}

/** `<host>-<uuid>` (host ids contain no dash-UUID suffix of their own) or a bare UUID. */
export function splitJobId(id: string): { hostId?: string; uuid: string } | undefined {
  const bare = canonicalUuid(id);
  if (bare) return { uuid: bare };
  const m = /^(.+)-([a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})$/i.exec(id);
  if (!m) return undefined;
  return { hostId: m[1]!, uuid: m[2]!.toLowerCase() };
}

export interface ScalePlan {
  oldProcesses: ProcessCounts;
  oldTags: ProcessTags;
  /** What the request records as its new processes/tags (the request's, or the current ones). */
  newProcesses: ProcessCounts;
  newTags: ProcessTags;
  /** The formation after the request. */
  processes: ProcessCounts;
  tags: ProcessTags;
}

/** Applies a scale request to the current formation (undefined when there is none). */
export function planScale(current: { processes: ProcessCounts; tags: ProcessTags } | undefined, req: { newProcesses?: ProcessCounts; newTags?: ProcessTags }): ScalePlan {
  const oldProcesses = { ...(current?.processes ?? {}) };
  const oldTags = { ...(current?.tags ?? {}) };
  const processes = req.newProcesses ? { ...oldProcesses, ...req.newProcesses } : { ...oldProcesses };
  const tags = req.newTags ? { ...oldTags, ...req.newTags } : { ...oldTags };
  return {
    oldProcesses,
    oldTags,
    newProcesses: req.newProcesses ?? { ...oldProcesses },
    newTags: req.newTags ?? { ...oldTags },
    processes,
    tags,
  };
}

/** Sum of all process counts. */
export function totalProcesses(counts: ProcessCounts | undefined): number {
  return Object.values(counts ?? {}).reduce((a, b) => a + b, 0);
}

/** `code` when the artifact list changed, else `config` (a new release without artifacts is `config`). */
export function deploymentType(oldArtifacts: readonly string[] | undefined, newArtifacts: readonly string[]): 'code' | 'config' {
  if (oldArtifacts === undefined) return newArtifacts.length === 0 ? 'config' : 'code';
  return oldArtifacts.length === newArtifacts.length && oldArtifacts.every((a, i) => a === newArtifacts[i]) ? 'config' : 'code';
}
