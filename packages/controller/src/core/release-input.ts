/** Release and artifact request bodies (schemas `controller/release`, `controller/artifact`). */
import { validationError } from '../errors.js';
import { ARTIFACT_TYPES } from '../types.js';
import type { ArtifactType, ProcessType, StringMap } from '../types.js';
import type { JsonObject } from './validate.js';
import { asObject, bool, checkStorable, int, jsonObject, rejectUnknown, str, stringArray, stringMap, uuid, uuidArray } from './validate.js';

const RELEASE_FIELDS = ['id', 'app_id', 'artifact', 'artifacts', 'meta', 'env', 'processes', 'created_at'] as const;
const ARTIFACT_FIELDS = ['id', 'type', 'uri', 'manifest', 'hashes', 'size', 'layer_url_template', 'meta', 'created_at'] as const;

export interface NewReleaseInput {
  id?: string;
  appId: string;
  artifacts: string[];
  env: StringMap;
  meta: StringMap;
  processes: Record<string, ProcessType>;
}

export interface NewArtifactInput {
  id?: string;
  type: ArtifactType;
  uri: string;
  meta?: StringMap;
  manifest?: JsonObject;
  hashes?: StringMap;
  size?: number;
  layerUrlTemplate?: string;
}

/** Resource defaults the original stores on every process type (host/resource.SetDefaults). */
const RESOURCE_DEFAULTS: Record<string, number> = {
  memory: 1024 * 1024 * 1024,
  cpu: 1000,
  temp_disk: 100 * 1024 * 1024,
  max_fd: 10000,
};

/** `POST /releases`; `app_id` is required (the original answers a 500 without it). */
export function parseNewRelease(body: unknown, appIdFromPath?: string): NewReleaseInput {
  const o = asObject(body);
  rejectUnknown(o, RELEASE_FIELDS);
  const appId = appIdFromPath ?? uuid(o, 'app_id', { required: true })!;
  let artifacts = uuidArray(o, 'artifacts') ?? [];
  const legacy = uuid(o, 'artifact');
  if (artifacts.length === 0 && legacy) artifacts = [legacy];
  if (new Set(artifacts).size !== artifacts.length) throw validationError('artifacts', 'must not contain duplicates');
  const env = stringMap(o, 'env') ?? {};
  if ('' in env) throw validationError('env', `you can't create an env var with an empty key (tried to set ""=${JSON.stringify(env[''])})`);
  const input: NewReleaseInput = { appId, artifacts, env, meta: stringMap(o, 'meta') ?? {}, processes: parseProcesses(o) };
  const id = uuid(o, 'id');
  if (id) input.id = id;
  return input;
}

function parseProcesses(o: JsonObject): Record<string, ProcessType> {
  const v = o.processes;
  if (v === undefined || v === null) return {};
  const procs = asObject(v, 'processes');
  const out: Record<string, ProcessType> = {};
  for (const [type, raw] of Object.entries(procs)) {
    if (type === '' || type.includes('\u0000') || type.length > 100) throw validationError('processes', 'has an invalid process type name');
    out[type] = parseProcessType(raw, `processes.${type}.`);
  }
  return out;
}

/** Checks the known fields' types, keeps unknown ones, maps deprecated `cmd`/`entrypoint`/`data`. */
export function parseProcessType(raw: unknown, prefix: string): ProcessType {
  const p = asObject(raw, prefix.slice(0, -1));
  checkStorable(p, prefix.slice(0, -1));
  const out: ProcessType = { ...p };
  const entrypoint = stringArray(p, 'entrypoint', prefix);
  const cmd = stringArray(p, 'cmd', prefix);
  let args = stringArray(p, 'args', prefix);
  if (entrypoint && entrypoint.length > 0) args = entrypoint;
  if (cmd && cmd.length > 0) args = [...(args ?? []), ...cmd];
  delete out.entrypoint;
  delete out.cmd;
  if (args) out.args = args;
  const env = stringMap(p, 'env', prefix);
  if (env) out.env = env;
  for (const flag of ['omni', 'host_network', 'host_pid_namespace', 'resurrect', 'writeable_cgroups', 'data'] as const) bool(p, flag, prefix);
  str(p, 'service', {}, prefix);
  parsePorts(p, prefix);
  parseVolumes(p, prefix);
  if (p.data === true && !(Array.isArray(p.volumes) && p.volumes.length > 0)) out.volumes = [{ path: '/data' }];
  delete out.data;
  out.resources = withResourceDefaults(p, prefix);
  return out;
}

function parsePorts(p: JsonObject, prefix: string): void {
  const ports = p.ports;
  if (ports === undefined || ports === null) return;
  if (!Array.isArray(ports)) throw validationError(`${prefix}ports`, 'must be an array');
  ports.forEach((raw, i) => {
    const port = asObject(raw, `${prefix}ports.${i}`);
    int(port, 'port', { min: 0, max: 65535 }, `${prefix}ports.${i}.`);
    str(port, 'proto', { oneOf: ['tcp', 'udp'] }, `${prefix}ports.${i}.`);
  });
}

function parseVolumes(p: JsonObject, prefix: string): void {
  const volumes = p.volumes;
  if (volumes === undefined || volumes === null) return;
  if (!Array.isArray(volumes)) throw validationError(`${prefix}volumes`, 'must be an array');
  volumes.forEach((raw, i) => {
    const vol = asObject(raw, `${prefix}volumes.${i}`);
    str(vol, 'path', {}, `${prefix}volumes.${i}.`);
    bool(vol, 'delete_on_stop', `${prefix}volumes.${i}.`);
  });
}

function withResourceDefaults(p: JsonObject, prefix: string): Record<string, { request?: number; limit?: number }> {
  const given = p.resources === undefined || p.resources === null ? {} : asObject(p.resources, `${prefix}resources`);
  const out: Record<string, { request?: number; limit?: number }> = {};
  for (const [type, raw] of Object.entries(given)) {
    const spec = asObject(raw, `${prefix}resources.${type}`);
    const limit = int(spec, 'limit', { min: 0, max: Number.MAX_SAFE_INTEGER }, `${prefix}resources.${type}.`);
    const request = int(spec, 'request', { min: 0, max: Number.MAX_SAFE_INTEGER }, `${prefix}resources.${type}.`);
    out[type] = { ...(request !== undefined ? { request } : {}), ...(limit !== undefined ? { limit } : {}) };
  }
  for (const [type, def] of Object.entries(RESOURCE_DEFAULTS)) {
    const spec = out[type] ?? {};
    const limit = spec.limit ?? def;
    out[type] = { limit, request: spec.request ?? limit };
  }
  return out;
}

/** `POST /artifacts`. A `flynn` artifact must carry its manifest (we do not download it). */
export function parseNewArtifact(body: unknown): NewArtifactInput {
  const o = asObject(body);
  rejectUnknown(o, ARTIFACT_FIELDS);
  const type = str(o, 'type', { required: true, oneOf: ARTIFACT_TYPES }) as ArtifactType;
  const uri = str(o, 'uri', { required: true, minLength: 1, maxLength: 4096 })!;
  if (!/^[a-z][a-z0-9+.-]*:\S*$/i.test(uri)) throw validationError('uri', 'must be a URI');
  const input: NewArtifactInput = { type, uri };
  const id = uuid(o, 'id');
  if (id) input.id = id;
  const meta = stringMap(o, 'meta');
  if (meta) input.meta = meta;
  const manifest = jsonObject(o, 'manifest');
  if (manifest) input.manifest = manifest;
  if (type === 'flynn' && !manifest) throw validationError('manifest', 'is required for flynn artifacts');
  const hashes = stringMap(o, 'hashes');
  if (hashes) input.hashes = hashes;
  const size = int(o, 'size', { min: 0, max: Number.MAX_SAFE_INTEGER });
  if (size !== undefined) input.size = size;
  const tmpl = str(o, 'layer_url_template', { maxLength: 4096 });
  if (tmpl) input.layerUrlTemplate = tmpl;
  return input;
}
