import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HostJobStatus, JobObservation } from './job-state.js';
import { advance, canTransition, jobStateRank } from './job-state.js';
import type { JobState } from './model.js';
import { JOB_STATES } from './model.js';

describe('advance', () => {
  it('follows the host: starting, running (up without a service), done/crashed/failed → down', () => {
    expect(advance('pending', { host: 'starting' })).toBe('starting');
    expect(advance('starting', { host: 'running' })).toBe('up');
    expect(advance('pending', { host: 'running' })).toBe('up');
    for (const host of ['done', 'crashed', 'failed'] as const) {
      expect(advance('up', { host })).toBe('down');
      expect(advance('pending', { host })).toBe('down');
      expect(advance('stopping', { host })).toBe('down');
    }
  });

  it('with a service: up only when registered and every router reported backend-up (or the wait ran out)', () => {
    const svc: JobObservation = { host: 'running', hasService: true };
    expect(advance('starting', svc)).toBe('starting');
    expect(advance('starting', { ...svc, registered: true })).toBe('starting');
    expect(advance('starting', { ...svc, routersReady: true })).toBe('starting');
    expect(advance('starting', { ...svc, registered: true, routersReady: true })).toBe('up');
    expect(advance('starting', { ...svc, registered: true, routerWaitExpired: true })).toBe('up');
    expect(advance('starting', { ...svc, routerWaitExpired: true })).toBe('starting');
  });

  it('a stop request makes a live job stopping; the host finishing it makes it down', () => {
    expect(advance('up', { stopRequested: true, host: 'running' })).toBe('stopping');
    expect(advance('pending', { stopRequested: true })).toBe('stopping');
    expect(advance('stopping', { stopRequested: true, host: 'done' })).toBe('down');
  });

  it('never goes backwards', () => {
    expect(advance('up', { host: 'starting' })).toBe('up');
    expect(advance('up', { host: 'running', hasService: true })).toBe('up');
    expect(advance('stopping', { host: 'running' })).toBe('stopping');
    expect(advance('down', { host: 'running' })).toBe('down');
    expect(advance('down', { host: 'starting', stopRequested: true })).toBe('down');
  });

  it('never moves backwards, from any state, on any observation (property)', () => {
    const obs: fc.Arbitrary<JobObservation> = fc.record(
      {
        host: fc.constantFrom<HostJobStatus>('starting', 'running', 'done', 'crashed', 'failed'),
        stopRequested: fc.boolean(),
        hasService: fc.boolean(),
        registered: fc.boolean(),
        routersReady: fc.boolean(),
        routerWaitExpired: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.constantFrom<JobState>(...JOB_STATES), fc.array(obs, { maxLength: 20 }), (start, seq) => {
        let s = start;
        for (const o of seq) {
          const next = advance(s, o);
          expect(jobStateRank(next)).toBeGreaterThanOrEqual(jobStateRank(s));
          if (next !== s) expect(canTransition(s, next)).toBe(true);
          s = next;
        }
      }),
    );
  });
});

describe('canTransition', () => {
  it('allows forward moves and pending ↔ blocked only', () => {
    expect(canTransition('pending', 'blocked')).toBe(true);
    expect(canTransition('blocked', 'pending')).toBe(true);
    expect(canTransition('blocked', 'starting')).toBe(true);
    expect(canTransition('up', 'down')).toBe(true);
    expect(canTransition('up', 'starting')).toBe(false);
    expect(canTransition('down', 'pending')).toBe(false);
    expect(canTransition('up', 'up')).toBe(false);
  });
});
