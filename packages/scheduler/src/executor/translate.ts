/**
 * Translations between the wire shapes (./wire.ts) and the scheduler's model
 * (../core/model.ts). Pure: no I/O, no clock.
 */
import type { Formation, ProcessResources, ProcessTypeSpec, ResourceAmount } from '../core/model.js';
import { META_SYSTEM_APP } from '../core/model.js';
import { requestFor } from '../core/resources.js';
import type { JobWrite } from './ports.js';
import type { StringMap, WireActiveJob, WireArtifact, WireExpandedFormation, WireHostJob, WireHostJobStatus, WireProcessType, WireResourceSpec } from './wire.js';
import { META_APP, META_APP_NAME, META_FORMATION, META_RELEASE, META_RESTARTS, META_TYPE } from './wire.js';

/** `(app id, release id)`: the key of a formation. */
export function formationKey(app: string, release: string): string {
  return `${app}/${release}`;
}

/** The scheduling part of a process type's wire `resources`. */
export function resourcesFromWire(res: Record<string, WireResourceSpec> | undefined): ProcessResources | undefined {
  if (!res) return undefined;
  const out: ProcessResources = {};
  const pick = (s: WireResourceSpec | undefined) => {
    if (!s) return undefined;
    const spec: { request?: number; limit?: number } = {};
    if (typeof s.request === 'number') spec.request = s.request;
    if (typeof s.limit === 'number') spec.limit = s.limit;
    return spec;
  };
  const memory = pick(res.memory);
  const cpu = pick(res.cpu);
  if (memory) out.memory = memory;
  if (cpu) out.cpu = cpu;
  return out;
}

function typeSpec(p: WireProcessType): ProcessTypeSpec {
  const spec: ProcessTypeSpec = {};
  if (p.omni === true) spec.omni = true;
  if (typeof p.service === 'string' && p.service !== '') spec.service = p.service;
  const resources = resourcesFromWire(p.resources);
  if (resources) spec.resources = resources;
  return spec;
}

/**
 * An expanded formation as the planner sees it. A deleted formation wants
 * zero of everything (its jobs are stopped).
 */
export function formationFromWire(ef: WireExpandedFormation): Formation {
  const types: Record<string, ProcessTypeSpec> = {};
  for (const [t, p] of Object.entries(ef.release.processes ?? {})) types[t] = typeSpec(p);
  const processes: Record<string, number> = {};
  for (const [t, n] of Object.entries(ef.processes ?? {})) processes[t] = ef.deleted === true ? 0 : n;
  const f: Formation = { app: ef.app.id, release: ef.release.id, processes, types };
  const tags = ef.tags ?? {};
  if (Object.keys(tags).length > 0) f.tags = tags;
  if (ef.app.meta && Object.keys(ef.app.meta).length > 0) f.appMeta = { ...ef.app.meta };
  return f;
}

/** The uuid part of a host job id `<hostId>-<uuid>`, if it has that form. */
export function uuidOfHostJob(hostId: string, hostJobId: string): string | undefined {
  const prefix = `${hostId}-`;
  if (!hostJobId.startsWith(prefix)) return undefined;
  const uuid = hostJobId.slice(prefix.length);
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid) ? uuid.toLowerCase() : undefined;
}

/** What a host's listing or event says about one of its jobs. */
export interface HostJobFacts {
  uuid: string;
  hostJobId: string;
  status: WireHostJobStatus;
  /** App id, release id and type, when the job carries the controller's metadata. */
  app?: string;
  release?: string;
  type?: string;
  /** A formation job (metadata `flynn-controller.formation=true`); others are one-off. */
  formation: boolean;
  restarts: number;
  resources: ResourceAmount;
  startedAt?: number;
  exitStatus?: number;
  error?: string;
}

/** Reads a host's `ActiveJob`; undefined for ids the scheduler cannot own (not `<host>-<uuid>`). */
export function hostJobFacts(hostId: string, hostJobId: string, aj: WireActiveJob): HostJobFacts | undefined {
  const uuid = uuidOfHostJob(hostId, hostJobId);
  if (!uuid) return undefined;
  const meta = aj.job?.metadata ?? {};
  const request = requestFor(resourcesFromWire(aj.job?.resources));
  const facts: HostJobFacts = {
    uuid,
    hostJobId,
    status: aj.status,
    formation: meta[META_FORMATION] === 'true',
    restarts: Math.max(0, Number.parseInt(meta[META_RESTARTS] ?? '0', 10) || 0),
    resources: 'invalid' in request ? { memory: 0, cpu: 0 } : request,
  };
  if (meta[META_APP]) facts.app = meta[META_APP];
  if (meta[META_RELEASE]) facts.release = meta[META_RELEASE];
  if (meta[META_TYPE]) facts.type = meta[META_TYPE];
  const started = aj.started_at ? Date.parse(aj.started_at) : Number.NaN;
  if (Number.isFinite(started)) facts.startedAt = started;
  if (typeof aj.exit_status === 'number') facts.exitStatus = aj.exit_status;
  if (aj.error) facts.error = aj.error;
  return facts;
}

export interface HostJobInput {
  formation: WireExpandedFormation;
  type: string;
  uuid: string;
  hostId: string;
  restarts: number;
}

/**
 * The host job for a formation job (reference §2.3, as the original's
 * `utils.JobConfig`): the process type's args, env and ports (the type's
 * `service` named on the first port when no port names one), the controller's
 * env and metadata, the release's artifacts as squashfs mountspecs, and the
 * `system` partition for system apps.
 */
export function hostJobFor(input: HostJobInput): WireHostJob {
  const { formation: ef, type, uuid, hostId } = input;
  const p: WireProcessType = ef.release.processes[type] ?? {};
  const id = `${hostId}-${uuid}`;
  const env: StringMap = {
    ...(ef.release.env ?? {}),
    ...(p.env ?? {}),
    FLYNN_APP_ID: ef.app.id,
    FLYNN_APP_NAME: ef.app.name,
    FLYNN_RELEASE_ID: ef.release.id,
    FLYNN_PROCESS_TYPE: type,
    FLYNN_JOB_ID: id,
  };
  const job: WireHostJob = {
    id,
    metadata: {
      [META_APP]: ef.app.id,
      [META_APP_NAME]: ef.app.name,
      [META_RELEASE]: ef.release.id,
      [META_TYPE]: type,
      [META_FORMATION]: 'true',
      [META_RESTARTS]: String(input.restarts),
    },
    config: { env },
  };
  const args = p.args && p.args.length > 0 ? p.args : entrypointArgs(ef.artifacts ?? [], type);
  if (args) job.config.args = [...args];
  const ports = hostPorts(p);
  if (ports.length > 0) job.config.ports = ports;
  if (p.host_network === true) job.config.host_network = true;
  if (p.host_pid_namespace === true) job.config.host_pid_namespace = true;
  const caps = stringArray(p.linux_capabilities);
  if (caps) job.config.linux_capabilities = caps;
  if (p.writeable_cgroups === true) job.config.writeable_cgroups = true;
  const profiles = stringArray(p.profiles);
  if (profiles) job.profiles = profiles;
  if (p.resurrect === true) job.resurrect = true;
  if (p.resources && Object.keys(p.resources).length > 0) job.resources = structuredClone(p.resources);
  const mountspecs = mountspecsFor(ef.artifacts ?? []);
  if (mountspecs.length > 0) job.mountspecs = mountspecs;
  if (ef.app.meta?.[META_SYSTEM_APP] === 'true') job.partition = 'system';
  return job;
}

function hostPorts(p: WireProcessType): NonNullable<WireHostJob['config']['ports']> {
  const out: NonNullable<WireHostJob['config']['ports']> = [];
  for (const port of p.ports ?? []) {
    const proto = port.proto === 'udp' ? 'udp' : 'tcp';
    const entry: (typeof out)[number] = { port: port.port, proto };
    const s = port.service;
    if (typeof s === 'object' && s !== null && typeof (s as { name?: unknown }).name === 'string') {
      entry.service = structuredClone(s) as { name: string };
    }
    out.push(entry);
  }
  if (p.service && out.length > 0 && !out.some((x) => x.service)) out[0]!.service = { name: p.service, create: true };
  return out;
}

function stringArray(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string') ? [...(v as string[])] : undefined;
}

interface FlynnLayer {
  id?: unknown;
  length?: unknown;
  hashes?: unknown;
  meta?: unknown;
}

/** `flynn` artifacts' layers (reference §2.4), in order, as squashfs mountspecs. */
export function mountspecsFor(artifacts: readonly WireArtifact[]): NonNullable<WireHostJob['mountspecs']> {
  const out: NonNullable<WireHostJob['mountspecs']> = [];
  for (const a of artifacts) {
    if (a.type !== 'flynn' || typeof a.manifest !== 'object' || a.manifest === null) continue;
    const rootfs = (a.manifest as { rootfs?: { layers?: FlynnLayer[] }[] }).rootfs ?? [];
    for (const fs of rootfs) {
      for (const layer of fs.layers ?? []) {
        if (typeof layer.id !== 'string') continue;
        const spec: NonNullable<WireHostJob['mountspecs']>[number] = { type: 'squashfs', id: layer.id };
        if (a.layer_url_template) spec.url = a.layer_url_template.replace('{id}', layer.id);
        if (typeof layer.length === 'number') spec.size = layer.length;
        if (isStringMap(layer.hashes)) spec.hashes = { ...layer.hashes };
        if (isStringMap(layer.meta)) spec.meta = { ...layer.meta };
        out.push(spec);
      }
    }
  }
  return out;
}

/** The image's entrypoint args for `type` (or `_default`) from the last `flynn` artifact that has one. */
function entrypointArgs(artifacts: readonly WireArtifact[], type: string): string[] | undefined {
  for (const a of [...artifacts].reverse()) {
    const eps = (a.manifest as { entrypoints?: Record<string, { args?: unknown }> } | undefined)?.entrypoints;
    const args = stringArray(eps?.[type]?.args ?? eps?._default?.args);
    if (args) return args;
  }
  return undefined;
}

function isStringMap(v: unknown): v is StringMap {
  return typeof v === 'object' && v !== null && Object.values(v).every((x) => typeof x === 'string');
}

/** An RFC 3339 time for the controller. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** Drops absent fields (exactOptionalPropertyTypes) from a job write. */
export function compactWrite(w: JobWrite): JobWrite {
  const out = { ...w } as Record<string, unknown>;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as unknown as JobWrite;
}
