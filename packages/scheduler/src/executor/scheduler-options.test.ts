import { describe, expect, it } from 'vitest';
import { GiB } from '../core/model.js';
import { capacityResolver, machineCapacity } from './scheduler-options.js';
import type { SchedulerOptions } from './scheduler-options.js';

const base = {} as SchedulerOptions;

describe('capacityResolver', () => {
  it('takes what the host reports, else the default, else this machine’s', () => {
    const reported = { id: 'h1', resources: { memory: { limit: 4 * GiB, requested: 0 }, cpu: { limit: 2000, requested: 0 } } };
    expect(capacityResolver({ ...base, defaultHostCapacity: { memory: GiB, cpu: 100 } })('h1', reported)).toEqual({ memory: 4 * GiB, cpu: 2000 });
    expect(capacityResolver({ ...base, defaultHostCapacity: { memory: GiB, cpu: 100 } })('h1', { id: 'h1' })).toEqual({ memory: GiB, cpu: 100 });
    expect(capacityResolver(base)('h1', undefined)).toEqual(machineCapacity());
    expect(capacityResolver({ ...base, defaultHostCapacity: { memory: GiB, cpu: 100 } })('h1', { id: 'h1', resources: { memory: { limit: -1 } } })).toEqual({ memory: GiB, cpu: 100 });
  });

  it('lets hostCapacity override a host', () => {
    const resolve = capacityResolver({ ...base, hostCapacity: (id) => (id === 'h2' ? { memory: 2 * GiB, cpu: 500 } : undefined) });
    expect(resolve('h2', { id: 'h2', resources: { memory: { limit: 8 * GiB }, cpu: { limit: 8000 } } })).toEqual({ memory: 2 * GiB, cpu: 500 });
    expect(resolve('h1', { id: 'h1', resources: { memory: { limit: 8 * GiB }, cpu: { limit: 8000 } } })).toEqual({ memory: 8 * GiB, cpu: 8000 });
  });
});
