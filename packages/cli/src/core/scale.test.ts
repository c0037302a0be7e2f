import type { ControllerEvent } from '@flynn-ts/controller';
import { describe, expect, it } from 'vitest';
import { formatFormation, jobDisplayId, parseScaleArgs, scaleStep, scaleSummary } from './scale.js';

describe('scale arguments', () => {
  it('parses counts and host tags', () => {
    expect(parseScaleArgs(['web=3', 'worker=0', 'db=2,disk=ssd,mem=high,active'], ['web', 'worker', 'db'])).toEqual({
      processes: { web: 3, worker: 0, db: 2 },
      tags: { db: { disk: 'ssd', mem: 'high', active: 'true' } },
    });
  });

  it("rejects what the original rejected, with its messages", () => {
    expect(() => parseScaleArgs(['web'], ['web'])).toThrow('scale args must be of the form <type>=<spec>');
    expect(() => parseScaleArgs(['=1'], ['web'])).toThrow('scale args must be of the form <type>=<spec>');
    expect(() => parseScaleArgs(['web=x'], ['web'])).toThrow('could not parse quantity in "web=x"');
    expect(() => parseScaleArgs(['web=-1'], ['web'])).toThrow('process quantities cannot be negative in "web=-1"');
    expect(() => parseScaleArgs(['web=1', 'wrk=1', 'db=2'], ['web'])).toThrow('unknown process types: "wrk", "db"');
  });
});

describe('scale output', () => {
  it('prints formations sorted by type', () => {
    expect(formatFormation(['worker', 'web'], { web: 4, worker: 2 })).toBe('web=4 worker=2');
    expect(formatFormation(['worker', 'web'], { web: 1 })).toBe('web=1 worker=0');
    expect(formatFormation(['worker', 'web'], { web: 1 }, true)).toBe('web=1');
    expect(formatFormation([], undefined)).toBe('');
  });

  it('summarises the changes of a scale request', () => {
    expect(scaleSummary(['web', 'worker', 'db'], { old_processes: { web: 4, worker: 2 }, new_processes: { web: 2, worker: 5, db: 0 } })).toBe('web: 4=>2, worker: 2=>5');
    expect(scaleSummary(['web'], { new_processes: { web: 2 } })).toBe('web: 0=>2');
    expect(scaleSummary(['web'], { old_processes: { web: 2 }, new_processes: { web: 2 } })).toBe('');
  });

  it('shows full job ids, else the UUID', () => {
    expect(jobDisplayId({ id: 'host-abc', uuid: 'abc' })).toBe('host-abc');
    expect(jobDisplayId({ uuid: 'abc' })).toBe('abc');
  });
});

describe('following a scale request', () => {
  const ev = (object_type: ControllerEvent['object_type'], data: unknown): ControllerEvent => ({ id: 1, object_type, object_id: 'x', data, created_at: '' });

  it('reports job events of the release, ends on the request completing or being cancelled', () => {
    const job = { uuid: 'j1', app: 'a', release: 'r1', type: 'web', state: 'up', created_at: '', updated_at: '' };
    expect(scaleStep(ev('job', job), 'req', 'r1')).toEqual({ kind: 'job', job });
    expect(scaleStep(ev('job', { ...job, release: 'r0' }), 'req', 'r1')).toEqual({ kind: 'ignore' });
    expect(scaleStep(ev('scale_request', { id: 'req', state: 'pending' }), 'req', 'r1')).toEqual({ kind: 'ignore' });
    expect(scaleStep(ev('scale_request', { id: 'other', state: 'complete' }), 'req', 'r1')).toEqual({ kind: 'ignore' });
    expect(scaleStep(ev('scale_request', { id: 'req', state: 'complete' }), 'req', 'r1')).toEqual({ kind: 'complete' });
    expect(scaleStep(ev('scale_request_cancelation', { id: 'req', state: 'cancelled' }), 'req', 'r1')).toEqual({ kind: 'cancelled' });
    expect(scaleStep(ev('deployment', {}), 'req', 'r1')).toEqual({ kind: 'ignore' });
    expect(scaleStep(ev('job', null), 'req', 'r1')).toEqual({ kind: 'ignore' });
  });
});
