import { describe, expect, it } from 'vitest';
import { hostJobStatus, isForward, jobStateFromHost } from './job-state.js';

describe('job states from the host', () => {
  it('maps host statuses (names or the original numbers)', () => {
    expect(jobStateFromHost({ status: 'starting' })).toEqual({ state: 'starting' });
    expect(jobStateFromHost({ status: 1 })).toEqual({ state: 'up' });
    expect(jobStateFromHost({ status: 'done', exit_status: 0 })).toEqual({ state: 'down', exitStatus: 0 });
    expect(jobStateFromHost({ status: 'crashed', exit_status: 3 })).toEqual({ state: 'down', exitStatus: 3 });
    expect(jobStateFromHost({ status: 4, error: 'exec: not found' })).toEqual({ state: 'down', hostError: 'exec: not found' });
    expect(jobStateFromHost({ status: 'weird' })).toBeUndefined();
    expect(hostJobStatus(9)).toBeUndefined();
  });

  it('only moves forward', () => {
    expect(isForward('pending', 'starting')).toBe(true);
    expect(isForward('up', 'starting')).toBe(false);
    expect(isForward('down', 'crashed')).toBe(false);
    expect(isForward('stopping', 'down')).toBe(true);
  });
});
