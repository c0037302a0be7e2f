/**
 * Resource requests: what a job of a process type reserves on its host.
 * Defaults follow the host (reference §2.3): memory 1 GiB, CPU 1000 milli;
 * a request defaults to the limit.
 */
import type { ProcessResources, ResourceAmount, ResourceSpec } from './model.js';
import { DEFAULT_CPU, DEFAULT_MEMORY, MiB } from './model.js';

/** The request of one resource: `request`, else `limit`, else the default. */
function requestOf(spec: ResourceSpec | undefined, fallback: number): number {
  return spec?.request ?? spec?.limit ?? fallback;
}

function validAmount(n: number): boolean {
  return Number.isFinite(n) && n >= 0;
}

/**
 * A process type's resource request, or a reason when the numbers are not
 * usable (negative, NaN, infinite): the planner blocks such a type rather
 * than doing arithmetic with them.
 */
export function requestFor(resources: ProcessResources | undefined): ResourceAmount | { invalid: string } {
  const memory = requestOf(resources?.memory, DEFAULT_MEMORY);
  const cpu = requestOf(resources?.cpu, DEFAULT_CPU);
  if (!validAmount(memory)) return { invalid: `invalid memory request ${memory}` };
  if (!validAmount(cpu)) return { invalid: `invalid cpu request ${cpu}` };
  return { memory, cpu };
}

/** A capacity that cannot be used (negative, NaN) counts as zero. */
export function usableCapacity(capacity: ResourceAmount): ResourceAmount {
  return {
    memory: validAmount(capacity.memory) ? capacity.memory : 0,
    cpu: validAmount(capacity.cpu) ? capacity.cpu : 0,
  };
}

/** `1024 MiB`, `1.5 MiB`: bytes in MiB, at most one decimal, rounded up. */
export function formatMemory(bytes: number): string {
  const mib = Math.ceil((bytes / MiB) * 10) / 10;
  return `${Number.isInteger(mib) ? mib.toFixed(0) : mib.toFixed(1)} MiB`;
}

export function formatCpu(milli: number): string {
  return `${Math.ceil(milli)} milli-CPU`;
}

/**
 * The reason a request fits on no candidate: `memOk` / `cpuOk` say whether
 * at least one candidate had enough of that resource free. `subject` starts
 * the sentence (`no host has`, `host h1 does not have`).
 */
export function shortageReason(request: ResourceAmount, memOk: boolean, cpuOk: boolean, subject = 'no host has'): string {
  if (!memOk && cpuOk) return `${subject} ${formatMemory(request.memory)} memory free`;
  if (memOk && !cpuOk) return `${subject} ${formatCpu(request.cpu)} free`;
  return `${subject} ${formatMemory(request.memory)} memory and ${formatCpu(request.cpu)} free`;
}
