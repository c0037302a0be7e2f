/**
 * run-app before a scheduler exists (reference §4.2): which jobs go on which
 * host, and the host job for each, shaped exactly as the scheduler makes
 * formation jobs (same env, metadata and ports), so that once the app is
 * registered (add-app) the scheduler adopts them. Pure: hosts, counts and
 * randomness are inputs.
 */
import type { Random } from '@flynn-ts/core';
import type { Job, MountSpec, Port, PortService, VolumeBinding } from '@flynn-ts/host';
import type { StepLocation } from './errors.js';
import type { ProcessTypeSpec, ReleaseSpec } from './manifest-types.js';
import { intOf } from './render-step.js';
import { isObject } from './schema.js';

/** Host job metadata the controller's scheduler reads (reference §2.3). */
export const META_APP = 'flynn-controller.app';
export const META_APP_NAME = 'flynn-controller.app_name';
export const META_RELEASE = 'flynn-controller.release';
export const META_TYPE = 'flynn-controller.type';
export const META_FORMATION = 'flynn-controller.formation';
export const META_RESTARTS = 'flynn-scheduler.restarts';
/** App meta marking system apps (their jobs run in the `system` partition). */
export const META_SYSTEM_APP = 'flynn-system-app';

/** Singleton mode (one host): every count capped at 1. */
export function capCounts(counts: Readonly<Record<string, number>>, singleton: boolean): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([t, n]) => [t, singleton ? Math.min(n, 1) : n]));
}

export interface PlannedJob {
  hostId: string;
  type: string;
  uuid: string;
}

export interface PlanJobsInput {
  /** Counts after singleton capping; for omni types the count per host. */
  processes: Readonly<Record<string, number>>;
  isOmni(type: string): boolean;
  hostIds: readonly string[];
  random: Random;
}

/**
 * As the original: the hosts in a random order; omni types get `count` jobs
 * on every host, the others go round-robin over the shuffled hosts. Types
 * in name order, so a seed replays exactly.
 */
export function planJobs(input: PlanJobsInput): PlannedJob[] {
  if (input.hostIds.length === 0) return [];
  const hosts = input.random.shuffle(input.hostIds);
  const jobs: PlannedJob[] = [];
  for (const type of Object.keys(input.processes).sort()) {
    const count = input.processes[type]!;
    const omni = input.isOmni(type);
    const total = omni ? count * hosts.length : count;
    for (let i = 0; i < total; i++) jobs.push({ hostId: hosts[i % hosts.length]!, type, uuid: uuidV4(input.random) });
  }
  return jobs;
}

/** An RFC 4122 version 4 UUID from `random`. */
export function uuidV4(random: Random): string {
  const bytes: number[] = [];
  for (let i = 0; i < 4; i++) {
    const n = random.uint32();
    bytes.push(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A release with its ports' numbers read (they may have been templates). */
export interface NormalizedProcessType {
  args?: string[];
  env?: Record<string, string>;
  ports?: Port[];
  omni?: boolean;
  host_network?: boolean;
  service?: string;
  resurrect?: boolean;
  [field: string]: unknown;
}

export interface NormalizedRelease {
  id?: string;
  env: Record<string, string>;
  meta: Record<string, string>;
  processes: Record<string, NormalizedProcessType>;
}

export function normalizeRelease(release: ReleaseSpec, at: StepLocation): NormalizedRelease {
  const processes: Record<string, NormalizedProcessType> = {};
  for (const [type, p] of Object.entries(release.processes)) {
    const { ports, ...rest } = p as ProcessTypeSpec;
    const out: NormalizedProcessType = { ...rest };
    if (ports) {
      out.ports = ports.map((port, i) => ({
        port: intOf(port.port, `release.processes.${type}.ports[${i}].port`, at),
        proto: port.proto ?? 'tcp',
        ...(port.service ? { service: { ...port.service } as unknown as PortService } : {}),
      }));
    }
    processes[type] = out;
  }
  return { ...(release.id ? { id: release.id } : {}), env: release.env ?? {}, meta: release.meta ?? {}, processes };
}

export interface AppIdentity {
  id: string;
  name: string;
  meta?: Record<string, string>;
}

export interface HostJobInput {
  app: AppIdentity;
  releaseId: string;
  release: NormalizedRelease;
  type: string;
  hostId: string;
  uuid: string;
  /** The image layers (from the release's `flynn` artifacts). */
  mountspecs?: MountSpec[];
  /** Args when the process type has none (the image's entrypoint). */
  entrypointArgs?: string[];
  /** Volumes made for this job (process type `volumes`). */
  volumes?: VolumeBinding[];
}

/** The host job for one process of a release (the scheduler's `hostJobFor`, for bootstrap jobs). */
export function hostJobFor(input: HostJobInput): Job {
  const { app, release, type } = input;
  const p = release.processes[type] ?? {};
  const id = `${input.hostId}-${input.uuid}`;
  const env: Record<string, string> = {
    ...release.env,
    ...(p.env ?? {}),
    FLYNN_APP_ID: app.id,
    FLYNN_APP_NAME: app.name,
    FLYNN_RELEASE_ID: input.releaseId,
    FLYNN_PROCESS_TYPE: type,
    FLYNN_JOB_ID: id,
  };
  const job: Job = {
    id,
    metadata: {
      [META_APP]: app.id,
      [META_APP_NAME]: app.name,
      [META_RELEASE]: input.releaseId,
      [META_TYPE]: type,
      [META_FORMATION]: 'true',
      [META_RESTARTS]: '0',
    },
    config: { env },
  };
  const args = p.args && p.args.length > 0 ? p.args : input.entrypointArgs;
  if (args && args.length > 0) job.config.args = [...args];
  if (input.mountspecs && input.mountspecs.length > 0) job.mountspecs = input.mountspecs.map((m) => ({ ...m }));
  if (input.volumes && input.volumes.length > 0) job.config.volumes = input.volumes.map((v) => ({ ...v }));
  const ports = (p.ports ?? []).map((port) => ({ ...port }));
  if (p.service && ports.length > 0 && !ports.some((x) => x.service)) ports[0]!.service = { name: p.service, create: true };
  if (ports.length > 0) job.config.ports = ports;
  if (p.host_network === true) job.config.host_network = true;
  if (p.host_pid_namespace === true) job.config.host_pid_namespace = true;
  if (isStringList(p.linux_capabilities)) job.config.linux_capabilities = [...p.linux_capabilities];
  if (p.writeable_cgroups === true) job.config.writeable_cgroups = true;
  if (isStringList(p.profiles)) job.profiles = [...p.profiles];
  if (p.resurrect === true) job.resurrect = true;
  if (isObject(p.resources) && Object.keys(p.resources).length > 0) job.resources = structuredClone(p.resources) as Job['resources'] & object;
  if (app.meta?.[META_SYSTEM_APP] === 'true') job.partition = 'system';
  return job;
}

/** A job's id with a fresh uuid and the matching FLYNN_JOB_ID (to start a recorded job again). */
export function withNewId(job: Job, hostId: string, uuid: string): Job {
  const id = `${hostId}-${uuid}`;
  return { ...job, id, config: { ...job.config, env: { ...(job.config.env ?? {}), FLYNN_JOB_ID: id } } };
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');
}
