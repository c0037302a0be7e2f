/**
 * The body of `POST /apps/:id/jobs` (reference §5.3; the original's
 * `ct.NewJob`): which release (default: the app's current one) and
 * artifacts, the command, env and metadata, terminal settings, logging,
 * resources, partition, profiles and `mounts_from`. `entrypoint` and `cmd`
 * are the deprecated form of `args` (used only when `args` is empty).
 *
 * Every check throws the controller's 400 validation error naming the field,
 * so nothing the host would refuse (or PostgreSQL could not store) gets past.
 */
import { validationError } from '../errors.js';
import type { StringMap } from '../types.js';
import type { JsonObject } from './validate.js';
import { asObject, bool, int, rejectUnknown, str, stringArray, stringMap, uuid, uuidArray } from './validate.js';

const NEW_JOB_FIELDS = [
  'release', 'artifacts', 'release_env', 'args', 'env', 'meta', 'tty', 'tty_columns', 'tty_lines', 'disable_log',
  'resources', 'data', 'partition', 'profiles', 'mounts_from', 'entrypoint', 'cmd',
] as const;

export const JOB_PARTITIONS = ['system', 'background', 'user'] as const;
export type JobPartition = (typeof JOB_PARTITIONS)[number];

export const JOB_RESOURCE_TYPES = ['memory', 'cpu', 'temp_disk', 'max_fd', 'max_procs'] as const;
export type JobResourceType = (typeof JOB_RESOURCE_TYPES)[number];
export type JobResources = Partial<Record<JobResourceType, { request?: number; limit?: number }>>;

const MAX_TTY = 65_535;
const MAX_ARGS = 10_000;

export interface NewJobInput {
  /** Release id; absent: the app's current release. */
  release?: string;
  /** Artifact ids replacing the release's. */
  artifacts?: string[];
  /** Include the release's env (the CLI always asks for it). */
  releaseEnv: boolean;
  /** The command; absent: the image's default entrypoint. */
  args?: string[];
  env?: StringMap;
  meta?: StringMap;
  tty: boolean;
  /** `tty_columns` (attach width). */
  columns?: number;
  /** `tty_lines` (attach height). */
  lines?: number;
  disableLog: boolean;
  resources?: JobResources;
  partition?: JobPartition;
  profiles?: string[];
  /** Process type of the release whose mounts the job gets. */
  mountsFrom?: string;
}

/** Parses and checks a NewJob body. */
export function parseNewJob(body: unknown): NewJobInput {
  const o = asObject(body);
  rejectUnknown(o, NEW_JOB_FIELDS);
  if (bool(o, 'data')) throw validationError('data', 'is not supported: one-off jobs cannot have a data volume yet');
  const input: NewJobInput = {
    releaseEnv: bool(o, 'release_env') ?? false,
    tty: bool(o, 'tty') ?? false,
    disableLog: bool(o, 'disable_log') ?? false,
  };
  const release = uuid(o, 'release');
  if (release) input.release = release;
  const artifacts = uuidArray(o, 'artifacts');
  if (artifacts && artifacts.length > 0) input.artifacts = artifacts;
  const args = commandArgs(o);
  if (args) input.args = args;
  const env = stringMap(o, 'env');
  if (env) input.env = checkEnv(env);
  const meta = stringMap(o, 'meta');
  if (meta) input.meta = meta;
  const columns = int(o, 'tty_columns', { min: 0, max: MAX_TTY });
  if (columns) input.columns = columns;
  const lines = int(o, 'tty_lines', { min: 0, max: MAX_TTY });
  if (lines) input.lines = lines;
  const resources = parseResources(o);
  if (resources) input.resources = resources;
  const partition = str(o, 'partition', { oneOf: ['', ...JOB_PARTITIONS] });
  if (partition) input.partition = partition as JobPartition;
  const profiles = stringArray(o, 'profiles');
  if (profiles && profiles.length > 0) {
    profiles.forEach((p, i) => {
      if (p === '') throw validationError(`profiles.${i}`, 'must not be empty');
    });
    input.profiles = profiles;
  }
  const mountsFrom = str(o, 'mounts_from', { maxLength: 255 });
  if (mountsFrom) input.mountsFrom = mountsFrom;
  return input;
}

/** `args`, or the deprecated `entrypoint` + `cmd` when `args` is empty. */
function commandArgs(o: JsonObject): string[] | undefined {
  let args = stringArray(o, 'args') ?? [];
  let field = 'args';
  if (args.length === 0) {
    args = [...(stringArray(o, 'entrypoint') ?? []), ...(stringArray(o, 'cmd') ?? [])];
    field = 'entrypoint';
  }
  if (args.length === 0) return undefined;
  if (args.length > MAX_ARGS) throw validationError(field, `must have at most ${MAX_ARGS} elements`);
  if (args[0] === '') throw validationError(`${field}.0`, 'must not be empty');
  return args;
}

/** Env names the host accepts: non-empty, without `=`. */
function checkEnv(env: StringMap): StringMap {
  for (const key of Object.keys(env)) {
    if (key === '') throw validationError('env', `you can't create an env var with an empty key (tried to set ""=${JSON.stringify(env[key])})`);
    if (key.includes('=')) throw validationError(`env.${key}`, 'must not contain "="');
  }
  return env;
}

function parseResources(o: JsonObject): JobResources | undefined {
  const v = o.resources;
  if (v === undefined || v === null) return undefined;
  const res = asObject(v, 'resources');
  const out: JobResources = {};
  for (const [type, spec] of Object.entries(res)) {
    if (!(JOB_RESOURCE_TYPES as readonly string[]).includes(type)) {
      throw validationError(`resources.${type}`, `is not a resource type (one of ${JOB_RESOURCE_TYPES.join(', ')})`);
    }
    if (spec === null) continue;
    const s = asObject(spec, `resources.${type}`);
    rejectUnknown(s, ['request', 'limit'], `resources.${type}.`);
    const entry: { request?: number; limit?: number } = {};
    const request = int(s, 'request', { min: 0, max: Number.MAX_SAFE_INTEGER }, `resources.${type}.`);
    const limit = int(s, 'limit', { min: 0, max: Number.MAX_SAFE_INTEGER }, `resources.${type}.`);
    if (request !== undefined) entry.request = request;
    if (limit !== undefined) entry.limit = limit;
    out[type as JobResourceType] = entry;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
