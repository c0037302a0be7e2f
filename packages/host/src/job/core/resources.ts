/**
 * Resource defaults and limits (reference §2.3, the original's
 * host/resource): memory 1 GiB, cpu 1000 milli-CPU (= 1024 shares),
 * temp_disk 100 MiB, max_fd 10000, max_procs none. A request defaults to the
 * limit. Pure.
 */
import type { ContainerLimits } from '../../contracts.js';
import type { ResourceType, Resources } from '../../types.js';

export const GiB = 1024 * 1024 * 1024;
export const MiB = 1024 * 1024;

/** The defaults a job gets for every type it does not set. */
export const DEFAULT_RESOURCE_LIMITS: Readonly<Partial<Record<ResourceType, number>>> = {
  memory: 1 * GiB,
  cpu: 1000,
  temp_disk: 100 * MiB,
  max_fd: 10_000,
};

/** `resources` with the defaults applied: every default type gets a limit, and a missing request is the limit. */
export function withResourceDefaults(resources: Resources | undefined): Resources {
  const out: Resources = {};
  for (const [type, spec] of Object.entries(resources ?? {}) as [ResourceType, Resources[ResourceType]][]) {
    if (spec) out[type] = { ...spec };
  }
  for (const [type, limit] of Object.entries(DEFAULT_RESOURCE_LIMITS) as [ResourceType, number][]) {
    const spec = out[type] ?? {};
    out[type] = { ...spec, limit: spec.limit ?? limit };
  }
  for (const spec of Object.values(out)) {
    if (spec && spec.request === undefined && spec.limit !== undefined) spec.request = spec.limit;
  }
  return out;
}

/** milli-CPU → cgroup cpu shares (1000 → 1024), never below the kernel minimum of 2. */
export function cpuShares(milliCpu: number): number {
  return Math.max(2, Math.round((milliCpu * 1024) / 1000));
}

/** What the runtime driver enforces, from resources with defaults applied. */
export function containerLimits(resources: Resources): ContainerLimits {
  const limits: ContainerLimits = {};
  const memory = resources.memory?.limit;
  if (memory !== undefined) limits.memoryBytes = memory;
  const cpu = resources.cpu?.limit;
  if (cpu !== undefined) limits.cpuShares = cpuShares(cpu);
  const maxFd = resources.max_fd?.limit;
  if (maxFd !== undefined) limits.maxFd = maxFd;
  const maxProcs = resources.max_procs?.limit;
  if (maxProcs !== undefined) {
    limits.maxProcs = maxProcs;
    limits.pids = maxProcs;
  }
  return limits;
}

/** Size of the writable layer in bytes. */
export function tempDiskBytes(resources: Resources): number {
  return resources.temp_disk?.limit ?? DEFAULT_RESOURCE_LIMITS.temp_disk!;
}

/**
 * The memory (bytes) and cpu (milli-CPU) requested by `jobs` together, each
 * job's request with the defaults applied (a job that set none counts 1 GiB /
 * 1000 milli-CPU, as it is limited to that). What a scheduler subtracts from
 * a host's capacity.
 */
export function requestedResources(jobs: Iterable<{ resources?: Resources }>): { memory: number; cpu: number } {
  let memory = 0;
  let cpu = 0;
  for (const job of jobs) {
    const r = withResourceDefaults(job.resources);
    memory += r.memory?.request ?? 0;
    cpu += r.cpu?.request ?? 0;
  }
  return { memory, cpu };
}
