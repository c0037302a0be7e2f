/**
 * Validation of a `PUT /host/jobs/:id` body into a normalised {@link Job}:
 * unknown fields are dropped, `null` counts as absent, and the first problem
 * throws a 400 `validation_error` naming its field
 * (`config.args must be a non-empty array`). Pure: no I/O, no clock.
 */
import type { ContainerConfig, HealthCheck, Job, Mount, MountSpec, Partition, Port, Resources, ResourceSpec, VolumeBinding } from '../../types.js';
import type { JsonObject } from './fields.js';
import {
  checkString,
  invalid,
  isObject,
  join,
  optArray,
  optBool,
  optInt,
  optNumber,
  optObject,
  optObjectArray,
  optString,
  optStringArray,
  optStringMap,
  put,
} from './fields.js';
import { isValidJobId } from './job-id.js';

export interface ValidateJobOptions {
  /** The id from the URL path. */
  id: string;
  /** Reject jobs without `mountspecs` (the oci driver needs an image; the process driver does not). */
  requireMountspecs: boolean;
}

const MAX_UINT32 = 0xffff_ffff;
const MAX_INT64 = Number.MAX_SAFE_INTEGER;
const PARTITIONS: readonly Partition[] = ['system', 'background', 'user'];
const RESOURCE_TYPES = ['memory', 'cpu', 'temp_disk', 'max_fd', 'max_procs'] as const;
const CHECK_TYPES = ['tcp', 'http', 'https'] as const;

export function validateJob(body: unknown, options: ValidateJobOptions): Job {
  if (!isValidJobId(options.id)) {
    invalid('id', 'must be 1-128 letters, digits, "_", "." or "-", starting with a letter or digit');
  }
  if (!isObject(body)) invalid('body', 'must be a JSON object');
  const bodyId = optString(body, 'id', '');
  if (bodyId !== undefined && bodyId !== '' && bodyId !== options.id) invalid('id', `must match the job id in the path (${options.id})`);

  const job: Job = { id: options.id, config: readConfig(body) };
  const mountspecs = optObjectArray(body, 'mountspecs', '', readMountSpec);
  if (options.requireMountspecs && (mountspecs === undefined || mountspecs.length === 0)) {
    invalid('mountspecs', 'must be set (the oci driver needs an image)');
  }
  if (mountspecs !== undefined && mountspecs.length > 0) job.mountspecs = mountspecs;
  put(job, 'metadata', optStringMap(body, 'metadata', ''));
  put(job, 'resources', readResources(body));
  const partition = optString(body, 'partition', '');
  if (partition !== undefined && partition !== '') {
    if (!(PARTITIONS as readonly string[]).includes(partition)) invalid('partition', `must be one of ${PARTITIONS.join(', ')}`);
    job.partition = partition as Partition;
  }
  if (optBool(body, 'resurrect', '')) job.resurrect = true;
  put(job, 'profiles', optStringArray(body, 'profiles', '', { nonEmpty: true }));
  return job;
}

function readConfig(body: JsonObject): ContainerConfig {
  const c = optObject(body, 'config', '') ?? {};
  const p = 'config';
  const args = optArray(c, 'args', p);
  if (args === undefined || args.length === 0) invalid('config.args', 'must be a non-empty array');
  const config: ContainerConfig = {
    args: args.map((a, i) => checkString(a, `config.args.${i}`, { nonEmpty: i === 0 })),
  };
  for (const key of ['tty', 'stdin', 'host_network', 'host_pid_namespace', 'disable_log', 'writeable_cgroups'] as const) {
    if (optBool(c, key, p)) config[key] = true;
  }
  put(config, 'env', optStringMap(c, 'env', p, envKeyProblem));
  put(config, 'mounts', optObjectArray(c, 'mounts', p, readMount));
  put(config, 'volumes', optObjectArray(c, 'volumes', p, readVolume));
  put(config, 'ports', optObjectArray(c, 'ports', p, readPort));
  const wd = optString(c, 'working_dir', p);
  if (wd !== undefined && wd !== '') config.working_dir = wd;
  put(config, 'uid', optInt(c, 'uid', p, 0, MAX_UINT32));
  put(config, 'gid', optInt(c, 'gid', p, 0, MAX_UINT32));
  put(config, 'linux_capabilities', optStringArray(c, 'linux_capabilities', p, { nonEmpty: true }));
  put(config, 'allowed_devices', optObjectArray(c, 'allowed_devices', p, (d) => d));
  put(config, 'auto_created_devices', optObjectArray(c, 'auto_created_devices', p, (d) => d));
  return config;
}

function envKeyProblem(key: string): string | undefined {
  if (key === '') return 'must not be an empty name';
  if (key.includes('=') || key.includes('\0')) return 'name must not contain "=" or NUL';
  return undefined;
}

function readMountSpec(m: JsonObject, p: string): MountSpec {
  const spec: MountSpec = {
    type: optString(m, 'type', p, { nonEmpty: true }) ?? 'squashfs',
    id: requiredString(m, 'id', p),
  };
  put(spec, 'url', optString(m, 'url', p));
  const size = optInt(m, 'size', p, 0, MAX_INT64);
  put(spec, 'size', size);
  put(spec, 'hashes', optStringMap(m, 'hashes', p));
  put(spec, 'meta', optStringMap(m, 'meta', p));
  return spec;
}

function readMount(m: JsonObject, p: string): Mount {
  const mount: Mount = { location: requiredString(m, 'location', p), target: requiredString(m, 'target', p) };
  if (optBool(m, 'writeable', p)) mount.writeable = true;
  put(mount, 'device', optString(m, 'device', p));
  put(mount, 'data', optString(m, 'data', p));
  put(mount, 'flags', optInt(m, 'flags', p, 0, MAX_UINT32));
  return mount;
}

function readVolume(v: JsonObject, p: string): VolumeBinding {
  const binding: VolumeBinding = { target: requiredString(v, 'target', p), volume: requiredString(v, 'volume', p) };
  binding.writeable = optBool(v, 'writeable', p) ?? false;
  binding.delete_on_stop = optBool(v, 'delete_on_stop', p) ?? false;
  return binding;
}

function readPort(o: JsonObject, p: string): Port {
  const proto = optString(o, 'proto', p) ?? 'tcp';
  if (proto !== 'tcp' && proto !== 'udp') invalid(join(p, 'proto'), 'must be "tcp" or "udp"');
  const port: Port = { port: optInt(o, 'port', p, 0, 65535) ?? 0, proto };
  const service = optObject(o, 'service', p);
  if (service !== undefined) {
    const sp = join(p, 'service');
    port.service = { name: requiredString(service, 'name', sp) };
    if (optBool(service, 'create', sp)) port.service.create = true;
    const check = optObject(service, 'check', sp);
    if (check !== undefined) port.service.check = readCheck(check, join(sp, 'check'));
  }
  return port;
}

function readCheck(c: JsonObject, p: string): HealthCheck {
  const type = optString(c, 'type', p) ?? 'tcp';
  if (!(CHECK_TYPES as readonly string[]).includes(type)) invalid(join(p, 'type'), `must be one of ${CHECK_TYPES.join(', ')}`);
  const check: HealthCheck = { type: type as HealthCheck['type'] };
  // Durations are Go time.Duration nanoseconds on the wire.
  put(check, 'interval', nonNegative(optNumber(c, 'interval', p), join(p, 'interval')));
  put(check, 'threshold', optInt(c, 'threshold', p, 0, MAX_UINT32));
  if (optBool(c, 'kill_down', p)) check.kill_down = true;
  put(check, 'start_timeout', nonNegative(optNumber(c, 'start_timeout', p), join(p, 'start_timeout')));
  put(check, 'path', optString(c, 'path', p));
  put(check, 'host', optString(c, 'host', p));
  put(check, 'match', optString(c, 'match', p));
  put(check, 'status', optInt(c, 'status', p, 0, 999));
  return check;
}

function readResources(body: JsonObject): Resources | undefined {
  const r = optObject(body, 'resources', '');
  if (r === undefined) return undefined;
  const out: Resources = {};
  for (const [type, value] of Object.entries(r)) {
    const p = join('resources', type);
    if (!(RESOURCE_TYPES as readonly string[]).includes(type)) invalid(p, `is not a resource type (want one of ${RESOURCE_TYPES.join(', ')})`);
    if (value === null) continue;
    if (!isObject(value)) invalid(p, 'must be an object');
    const spec: ResourceSpec = {};
    put(spec, 'request', optInt(value, 'request', p, 0, MAX_INT64));
    put(spec, 'limit', optInt(value, 'limit', p, 0, MAX_INT64));
    out[type as keyof Resources] = spec;
  }
  return out;
}

function requiredString(o: JsonObject, key: string, path: string): string {
  const v = optString(o, key, path, { nonEmpty: true });
  if (v === undefined) invalid(join(path, key), 'is required');
  return v;
}

function nonNegative(v: number | undefined, field: string): number | undefined {
  if (v !== undefined && v < 0) invalid(field, 'must not be negative');
  return v;
}

