import { describe, expect, it } from 'vitest';
import { containerLimits, cpuShares, GiB, MiB, requestedResources, tempDiskBytes, withResourceDefaults } from './resources.js';

describe('resources', () => {
  it('applies the original defaults, request defaulting to the limit', () => {
    expect(withResourceDefaults(undefined)).toEqual({
      memory: { request: GiB, limit: GiB },
      cpu: { request: 1000, limit: 1000 },
      temp_disk: { request: 100 * MiB, limit: 100 * MiB },
      max_fd: { request: 10_000, limit: 10_000 },
    });
  });

  it('keeps what the job set', () => {
    const r = withResourceDefaults({ memory: { limit: 256 * MiB }, max_procs: { limit: 50 }, cpu: { request: 100, limit: 2000 } });
    expect(r.memory).toEqual({ request: 256 * MiB, limit: 256 * MiB });
    expect(r.cpu).toEqual({ request: 100, limit: 2000 });
    expect(r.max_procs).toEqual({ request: 50, limit: 50 });
  });

  it('maps to driver limits: 1000 milli-CPU is 1024 shares', () => {
    expect(cpuShares(1000)).toBe(1024);
    expect(cpuShares(500)).toBe(512);
    expect(cpuShares(0)).toBe(2);
    const defaults = withResourceDefaults({ max_procs: { limit: 64 } });
    expect(containerLimits(defaults)).toEqual({ memoryBytes: GiB, cpuShares: 1024, maxFd: 10_000, maxProcs: 64, pids: 64 });
    expect(tempDiskBytes(defaults)).toBe(100 * MiB);
  });

  it('sums the requests of jobs, defaults counted, a request below the limit counted as requested', () => {
    expect(requestedResources([])).toEqual({ memory: 0, cpu: 0 });
    expect(
      requestedResources([
        {},
        { resources: { memory: { limit: 256 * MiB } } },
        { resources: { memory: { request: 64 * MiB, limit: 512 * MiB }, cpu: { request: 250, limit: 2000 } } },
      ]),
    ).toEqual({ memory: GiB + 256 * MiB + 64 * MiB, cpu: 1000 + 1000 + 250 });
  });
});
