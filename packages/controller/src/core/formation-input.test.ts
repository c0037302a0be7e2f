import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deploymentType, parseJobInput, parseScaleRequestInput, planScale, splitJobId, totalProcesses } from './formation-input.js';

const UUID = '5e0c0a4e-2f0b-4b0e-9a4a-0f6b8d5f7c11';

describe('scale planning', () => {
  it('replaces the named process types and keeps the others (the original merges)', () => {
    const plan = planScale({ processes: { web: 2, worker: 1 }, tags: { web: { disk: 'ssd' } } }, { newProcesses: { web: 5 } });
    expect(plan.processes).toEqual({ web: 5, worker: 1 });
    expect(plan.tags).toEqual({ web: { disk: 'ssd' } });
    expect(plan.oldProcesses).toEqual({ web: 2, worker: 1 });
    expect(plan.newProcesses).toEqual({ web: 5 });
  });

  it('keeps the formation when the request names nothing, and starts from empty without one', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), fc.nat(10)), (procs) => {
        const plan = planScale({ processes: procs, tags: {} }, { newTags: {} });
        expect(plan.processes).toEqual(procs);
        expect(planScale(undefined, { newProcesses: procs }).processes).toEqual(procs);
        expect(totalProcesses(plan.processes)).toBe(Object.values(procs).reduce((a, b) => a + b, 0));
      }),
    );
  });

  it('classifies deployments as code or config by their artifacts', () => {
    expect(deploymentType(['a'], ['a'])).toBe('config');
    expect(deploymentType(['a'], ['b'])).toBe('code');
    expect(deploymentType(['a', 'b'], ['b', 'a'])).toBe('code');
    expect(deploymentType(undefined, [])).toBe('config');
    expect(deploymentType(undefined, ['a'])).toBe('code');
  });
});

describe('job and scale bodies', () => {
  it('splits job ids into host and UUID', () => {
    expect(splitJobId(UUID)).toEqual({ uuid: UUID });
    expect(splitJobId(`host-1-${UUID}`)).toEqual({ hostId: 'host-1', uuid: UUID });
    expect(splitJobId('nope')).toBeUndefined();
  });

  it('takes the job UUID from the path and checks it against the body', () => {
    expect(parseJobInput({ state: 'up' }, `h1-${UUID}`)).toMatchObject({ uuid: UUID, hostId: 'h1', clusterId: `h1-${UUID}`, state: 'up' });
    expect(() => parseJobInput({ state: 'up', uuid: '6e0c0a4e-2f0b-4b0e-9a4a-0f6b8d5f7c11' }, UUID)).toThrow(/uuid/);
    expect(() => parseJobInput({ state: 'flying' }, UUID)).toThrow(/state/);
    expect(() => parseJobInput({ state: 'up', run_at: '0000-01-01T00:00:00Z' }, UUID)).toThrow(/run_at/);
  });

  it('needs an id to complete or cancel a scale request', () => {
    expect(parseScaleRequestInput({ new_processes: { web: 1 } })).toEqual({ state: 'pending', newProcesses: { web: 1 } });
    expect(() => parseScaleRequestInput({ state: 'complete' })).toThrow(/id is required/);
    expect(() => parseScaleRequestInput({ new_processes: { web: -1 } })).toThrow(/new_processes.web/);
  });
});
