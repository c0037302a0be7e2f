import { describe, expect, it } from 'vitest';
import type { ActiveJob } from '../../types.js';
import { createActiveJob, isActive, isTerminal, transition } from './job-state.js';

const T0 = Date.UTC(2024, 0, 1);
const job = { id: 'h-1', config: { args: ['true'] } };
const starting = (): ActiveJob => createActiveJob(job, 'h', T0).job;

describe('job state machine', () => {
  it('creates a starting job and publishes create', () => {
    const t = createActiveJob(job, 'h', T0);
    expect(t.event).toBe('create');
    expect(t.job).toEqual({ job, host_id: 'h', status: 'starting', created_at: '2024-01-01T00:00:00.000Z' });
  });

  it('starting → running → done (exit 0) with start and stop events', () => {
    const run = transition(starting(), { kind: 'started', at: T0 + 1000, pid: 42, internalIp: '10.0.0.2' })!;
    expect(run.event).toBe('start');
    expect(run.job).toMatchObject({ status: 'running', pid: 42, internal_ip: '10.0.0.2', started_at: '2024-01-01T00:00:01.000Z' });
    const done = transition(run.job, { kind: 'exited', at: T0 + 2000, exitStatus: 0 })!;
    expect(done.event).toBe('stop');
    expect(done.job).toMatchObject({ status: 'done', exit_status: 0, ended_at: '2024-01-01T00:00:02.000Z' });
    expect(done.job.pid).toBeUndefined();
  });

  it('running → crashed for a non-zero exit or a lost container', () => {
    const run = transition(starting(), { kind: 'started', at: T0 })!.job;
    expect(transition(run, { kind: 'exited', at: T0, exitStatus: 137 })!.job).toMatchObject({ status: 'crashed', exit_status: 137 });
    const lost = transition(run, { kind: 'lost', at: T0, error: 'gone' })!;
    expect(lost.event).toBe('stop');
    expect(lost.job).toMatchObject({ status: 'crashed', error: 'gone' });
    expect(lost.job.exit_status).toBeUndefined();
  });

  it('starting → failed with the error and an error event', () => {
    const f = transition(starting(), { kind: 'failed', at: T0, error: 'exec: no such file' })!;
    expect(f.event).toBe('error');
    expect(f.job).toMatchObject({ status: 'failed', error: 'exec: no such file' });
  });

  it('a stop before the start marks force_stop, then done with exit 0', () => {
    const fs = transition(starting(), { kind: 'force-stop' })!;
    expect(fs.event).toBeUndefined();
    expect(fs.job.force_stop).toBe(true);
    expect(transition(fs.job, { kind: 'exited', at: T0, exitStatus: 0 })!.job).toMatchObject({ status: 'done', exit_status: 0, force_stop: true });
  });

  it('ignores inputs that do not apply (terminal states are final)', () => {
    const done = transition(transition(starting(), { kind: 'started', at: T0 })!.job, { kind: 'exited', at: T0, exitStatus: 0 })!.job;
    for (const input of [
      { kind: 'started', at: T0 },
      { kind: 'exited', at: T0, exitStatus: 1 },
      { kind: 'failed', at: T0, error: 'x' },
      { kind: 'lost', at: T0, error: 'x' },
      { kind: 'force-stop' },
    ] as const) {
      expect(transition(done, input)).toBeUndefined();
    }
    const run = transition(starting(), { kind: 'started', at: T0 })!.job;
    expect(transition(run, { kind: 'started', at: T0 })).toBeUndefined();
    expect(transition(run, { kind: 'force-stop' })).toBeUndefined();
  });

  it('classifies statuses', () => {
    expect(['starting', 'running'].every((s) => isActive(s as never))).toBe(true);
    expect(['done', 'crashed', 'failed'].every((s) => isTerminal(s as never))).toBe(true);
  });
});
