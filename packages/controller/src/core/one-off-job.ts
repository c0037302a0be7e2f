/**
 * The host job of a one-off job (reference §5.3 `POST /apps/:id/jobs`, the
 * original's `RunJob`; §2.3 for the host's fields), from the request, the
 * app, the release and its artifacts. Pure: the caller picks the host and the
 * job's UUID.
 *
 * - args: the request's, else the image's default entrypoint (`_default` of
 *   the last `flynn` artifact that has one); working dir, uid and gid from
 *   that entrypoint too;
 * - env: the entrypoint's, the release's (when `release_env`), the request's,
 *   then the controller's `FLYNN_APP_ID`, `FLYNN_APP_NAME`,
 *   `FLYNN_RELEASE_ID`, `FLYNN_PROCESS_TYPE` (empty: a one-off job has no
 *   type) and `FLYNN_JOB_ID` (these cannot be overridden);
 * - metadata: the request's `meta` plus `flynn-controller.app`, `.app_name`
 *   and `.release` (no `.type`, no `.formation`: the host logs the job's
 *   lines without a process type, and schedulers treat it as one-off);
 * - mountspecs: every layer of every `flynn` artifact, in order, as squashfs
 *   mountspecs with the artifact's `layer_url_template`;
 * - `stdin` only when attached; `tty`, `disable_log`, resources, partition,
 *   profiles as asked; `mounts_from` copies that process type's mounts.
 */
import { validationError } from '../errors.js';
import type { HostJob, HostMount, HostMountSpec } from '../host-client.js';
import type { App, Artifact, Release, StringMap } from '../types.js';
import type { NewJobInput } from './new-job-input.js';

export const META_APP = 'flynn-controller.app';
export const META_APP_NAME = 'flynn-controller.app_name';
export const META_RELEASE = 'flynn-controller.release';

export interface OneOffJobPlan {
  input: NewJobInput;
  app: Pick<App, 'id' | 'name'>;
  release: Pick<Release, 'id' | 'env' | 'processes'>;
  /** The job's artifacts, in order (the request's, else the release's). */
  artifacts: readonly Pick<Artifact, 'type' | 'manifest' | 'layer_url_template'>[];
  hostId: string;
  uuid: string;
  /** The job is started attached: its stdin is kept open. */
  attach: boolean;
}

interface Entrypoint {
  env?: StringMap;
  cwd?: string;
  args?: string[];
  uid?: number;
  gid?: number;
}

/** `<host id>-<uuid>`. */
export function clusterJobId(hostId: string, uuid: string): string {
  return `${hostId}-${uuid}`;
}

export function buildOneOffJob(plan: OneOffJobPlan): HostJob {
  const { input, app, release } = plan;
  const id = clusterJobId(plan.hostId, plan.uuid);
  const entrypoint = imageEntrypoint(plan.artifacts);
  const args = input.args ?? entrypoint?.args;
  if (!args || args.length === 0) throw validationError('args', "is required: the release's image has no default entrypoint");
  const env: StringMap = {
    ...(entrypoint?.env ?? {}),
    ...(input.releaseEnv ? release.env : {}),
    ...(input.env ?? {}),
    FLYNN_APP_ID: app.id,
    FLYNN_APP_NAME: app.name,
    FLYNN_RELEASE_ID: release.id,
    FLYNN_PROCESS_TYPE: '',
    FLYNN_JOB_ID: id,
  };
  const job: HostJob = {
    id,
    metadata: { ...(input.meta ?? {}), [META_APP]: app.id, [META_APP_NAME]: app.name, [META_RELEASE]: release.id },
    config: { args: [...args], env },
  };
  if (input.tty) job.config.tty = true;
  if (plan.attach) job.config.stdin = true;
  if (input.disableLog) job.config.disable_log = true;
  if (entrypoint?.cwd) job.config.working_dir = entrypoint.cwd;
  if (entrypoint?.uid !== undefined) job.config.uid = entrypoint.uid;
  if (entrypoint?.gid !== undefined) job.config.gid = entrypoint.gid;
  if (input.mountsFrom !== undefined) {
    const proc = release.processes[input.mountsFrom];
    if (!proc) throw validationError('mounts_from', `is not a process type of release ${release.id}`);
    const mounts = hostMounts(proc.mounts);
    if (mounts.length > 0) job.config.mounts = mounts;
  }
  if (input.resources) job.resources = structuredClone(input.resources);
  if (input.partition) job.partition = input.partition;
  if (input.profiles) job.profiles = [...input.profiles];
  const mountspecs = mountspecsFor(plan.artifacts);
  if (mountspecs.length > 0) job.mountspecs = mountspecs;
  return job;
}

/** The `_default` entrypoint of the last `flynn` artifact that has one (the original's `GetEntrypoint(artifacts, "")`). */
export function imageEntrypoint(artifacts: OneOffJobPlan['artifacts']): Entrypoint | undefined {
  for (let i = artifacts.length - 1; i >= 0; i--) {
    const eps = objectField(artifacts[i]!.manifest, 'entrypoints');
    const ep = objectField(eps, '_default');
    if (ep) return readEntrypoint(ep);
  }
  return undefined;
}

function readEntrypoint(ep: Record<string, unknown>): Entrypoint {
  const out: Entrypoint = {};
  if (Array.isArray(ep.args) && ep.args.every((a) => typeof a === 'string')) out.args = ep.args as string[];
  if (isStringMap(ep.env)) out.env = { ...ep.env };
  if (typeof ep.cwd === 'string' && ep.cwd !== '') out.cwd = ep.cwd;
  if (isId(ep.uid)) out.uid = ep.uid;
  if (isId(ep.gid)) out.gid = ep.gid;
  return out;
}

/** Squashfs mountspecs for every layer of every `flynn` artifact, bottom first. */
export function mountspecsFor(artifacts: OneOffJobPlan['artifacts']): HostMountSpec[] {
  const out: HostMountSpec[] = [];
  for (const a of artifacts) {
    if (a.type !== 'flynn') continue;
    const rootfs = objectField(a, 'manifest')?.rootfs;
    if (!Array.isArray(rootfs)) continue;
    for (const fs of rootfs) {
      const layers = typeof fs === 'object' && fs !== null ? (fs as { layers?: unknown }).layers : undefined;
      if (!Array.isArray(layers)) continue;
      for (const layer of layers as unknown[]) {
        const spec = layerSpec(layer, a.layer_url_template);
        if (spec) out.push(spec);
      }
    }
  }
  return out;
}

function layerSpec(layer: unknown, template: string | undefined): HostMountSpec | undefined {
  if (typeof layer !== 'object' || layer === null) return undefined;
  const l = layer as { id?: unknown; length?: unknown; hashes?: unknown; meta?: unknown };
  const hashes = isStringMap(l.hashes) ? l.hashes : undefined;
  const id = typeof l.id === 'string' && l.id !== '' ? l.id : hashes?.sha512_256;
  if (!id) return undefined;
  const spec: HostMountSpec = { type: 'squashfs', id };
  if (template) spec.url = template.replace(/\{id\}/g, encodeURIComponent(id));
  if (typeof l.length === 'number' && Number.isSafeInteger(l.length) && l.length >= 0) spec.size = l.length;
  if (hashes) spec.hashes = { ...hashes };
  if (isStringMap(l.meta)) spec.meta = { ...l.meta };
  return spec;
}

function hostMounts(v: unknown): HostMount[] {
  if (!Array.isArray(v)) return [];
  const out: HostMount[] = [];
  for (const m of v as unknown[]) {
    if (typeof m !== 'object' || m === null) continue;
    const r = m as Record<string, unknown>;
    if (typeof r.location !== 'string' || typeof r.target !== 'string') continue;
    const mount: HostMount = { location: r.location, target: r.target };
    if (r.writeable === true) mount.writeable = true;
    if (typeof r.device === 'string') mount.device = r.device;
    if (typeof r.data === 'string') mount.data = r.data;
    if (typeof r.flags === 'number' && Number.isSafeInteger(r.flags)) mount.flags = r.flags;
    out.push(mount);
  }
  return out;
}

function objectField(v: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const f = (v as Record<string, unknown>)[key];
  return typeof f === 'object' && f !== null && !Array.isArray(f) ? (f as Record<string, unknown>) : undefined;
}

function isStringMap(v: unknown): v is StringMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');
}

function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= 0xffff_ffff;
}
