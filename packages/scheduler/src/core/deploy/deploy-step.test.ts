import { describe, expect, it } from 'vitest';
import { isSchedulerError, SCHEDULER_INVALID_DEPLOYMENT } from '../errors.js';
import type { JobState } from '../model.js';
import type { DeployJob, DeployOutput, DeployStart, DeploymentSpec } from './deploy-model.js';
import { deployStep, startDeployment } from './deploy-step.js';

const T = 120; // deploy_timeout, s
const spec = (strategy: string, processes: Record<string, number>, extra: Partial<DeploymentSpec> = {}): DeploymentSpec => ({
  id: 'd1',
  app: 'app',
  oldRelease: 'old',
  newRelease: 'new',
  strategy,
  processes,
  deployTimeout: T,
  ...extra,
});
const oldJobs = (type: string, n: number): DeployJob[] => Array.from({ length: n }, (_, i) => ({ id: `o-${type}-${i + 1}`, release: 'old', type, state: 'up' }));
const start = (oldFormation: Record<string, number>, extra: Partial<DeployStart> = {}): DeployStart => ({
  newTypes: { web: {}, worker: {} },
  oldTypes: { web: {}, worker: {} },
  oldFormation,
  newFormation: {},
  hostCount: 3,
  jobs: Object.entries(oldFormation).flatMap(([t, n]) => oldJobs(t, n)),
  now: 0,
  ...extra,
});

/** Drives a deployment: `job(id, release, type, state, now?)` and `tick(now)` return the step's output. */
function drive(first: DeployOutput) {
  let state = first.state;
  let now = 0;
  const step = (o: Parameters<typeof deployStep>[1]) => {
    const out = deployStep(state, o);
    state = out.state;
    return out;
  };
  return {
    get state() {
      return state;
    },
    job: (id: string, release: string, type: string, s: JobState, hostError?: string) =>
      step({ kind: 'job', job: { id, release, type, state: s, ...(hostError ? { hostError } : {}) }, now }),
    tick: (at: number) => {
      now = at;
      return step({ kind: 'tick', now });
    },
  };
}

const put = (release: string, processes: Record<string, number>) => ({ kind: 'put', app: 'app', release, processes });
const running = (release: string, job_type: string, job_state: JobState) => ({ app: 'app', deployment: 'd1', release, status: 'running', job_type, job_state });
const complete = { app: 'app', deployment: 'd1', release: 'new', status: 'complete' };
const failed = (error: string) => ({ app: 'app', deployment: 'd1', release: 'new', status: 'failed', error });

describe('deploy: one-by-one', () => {
  it('per type: new +1 (wait up), old −1 (wait down), until done; then switches release', () => {
    const first = startDeployment(spec('one-by-one', { web: 2 }), start({ web: 2 }));
    expect(first.formations).toEqual([put('new', { web: 1 })]);
    expect(first.waits).toEqual([{ release: 'new', type: 'web', until: 'up', count: 1, deadline: T * 1000 }]);
    expect(first.done).toBe(false);
    const d = drive(first);

    let out = d.job('n1', 'new', 'web', 'starting');
    expect(out.events).toEqual([running('new', 'web', 'starting')]);
    expect(out.formations).toEqual([]);
    out = d.job('n1', 'new', 'web', 'up');
    expect(out.formations).toEqual([put('old', { web: 1 })]);
    expect(out.waits).toEqual([{ release: 'old', type: 'web', until: 'down', count: 1, deadline: T * 1000 }]);
    expect(d.job('o-web-1', 'old', 'web', 'stopping').formations).toEqual([]);
    out = d.job('o-web-1', 'old', 'web', 'down');
    expect(out.formations).toEqual([put('new', { web: 2 })]);
    expect(d.job('n2', 'new', 'web', 'up').formations).toEqual([put('old', { web: 0 })]);
    out = d.job('o-web-2', 'old', 'web', 'down');
    expect(out.formations).toEqual([]);
    expect(out.events).toEqual([running('old', 'web', 'down'), complete]);
    expect(out.setRelease).toBe('new');
    expect(out.done).toBe(true);
    expect(d.state.status).toBe('complete');
    // a finished deployment ignores what comes next
    expect(d.job('n3', 'new', 'web', 'down')).toMatchObject({ formations: [], events: [], done: true });
  });

  it('goes through the types in sorted order and scales down old types the new release dropped', () => {
    const s = start({ worker: 1, web: 1, clock: 1 }, { newTypes: { web: {}, worker: {} }, oldTypes: { web: {}, worker: {}, clock: {} } });
    const d = drive(startDeployment(spec('one-by-one', { worker: 1, web: 1, clock: 1 }), s));
    expect(d.state.steps.map((st) => [st.release, st.processes])).toEqual([
      ['old', { worker: 1, web: 1, clock: 0 }],
      ['new', { web: 1 }],
      ['old', { worker: 1, web: 0, clock: 0 }],
      ['new', { web: 1, worker: 1 }],
      ['old', { worker: 0, web: 0, clock: 0 }],
    ]);
  });

  it('waits count × hosts jobs for omni types', () => {
    const s = start({ agent: 1 }, { newTypes: { agent: { omni: true } }, oldTypes: { agent: { omni: true } } });
    const first = startDeployment(spec('one-by-one', { agent: 1 }), s);
    expect(first.formations).toEqual([put('new', { agent: 1 })]);
    expect(first.waits).toMatchObject([{ type: 'agent', until: 'up', count: 3 }]);
    const d = drive(first);
    d.job('n1', 'new', 'agent', 'up');
    expect(d.job('n2', 'new', 'agent', 'up').formations).toEqual([]);
    expect(d.job('n3', 'new', 'agent', 'up').formations).toEqual([put('old', { agent: 0 })]);
  });
});

describe('deploy: all-at-once', () => {
  it('scales the new formation to full counts, waits for all, then the old one to zero without waiting', () => {
    const first = startDeployment(spec('all-at-once', { web: 2, worker: 1 }), start({ web: 2, worker: 1 }));
    expect(first.formations).toEqual([put('new', { web: 2, worker: 1 })]);
    expect(first.waits).toEqual([
      { release: 'new', type: 'web', until: 'up', count: 2, deadline: T * 1000 },
      { release: 'new', type: 'worker', until: 'up', count: 1, deadline: T * 1000 },
    ]);
    const d = drive(first);
    expect(d.job('n1', 'new', 'web', 'up').formations).toEqual([]);
    expect(d.job('w1', 'new', 'worker', 'up').formations).toEqual([]);
    const out = d.job('n2', 'new', 'web', 'up');
    expect(out.formations).toEqual([put('old', { web: 0, worker: 0 })]);
    expect(out.events).toEqual([running('new', 'web', 'up'), complete]);
    expect(out).toMatchObject({ setRelease: 'new', done: true, waits: [] });
  });

  it('passes the formation tags with the new formation', () => {
    const tags = { web: { disk: 'ssd' } };
    const first = startDeployment(spec('all-at-once', { web: 1 }, { tags }), start({ web: 1 }));
    expect(first.formations).toEqual([{ ...put('new', { web: 1 }), tags }]);
  });
});

describe('deploy: one-down-one-up and in-batches', () => {
  it('one-down-one-up: old −1 (wait down), then new +1 (wait up)', () => {
    const first = startDeployment(spec('one-down-one-up', { web: 2 }), start({ web: 2 }));
    expect(first.formations).toEqual([put('old', { web: 1 })]);
    const d = drive(first);
    expect(d.job('o-web-1', 'old', 'web', 'down').formations).toEqual([put('new', { web: 1 })]);
    expect(d.job('n1', 'new', 'web', 'up').formations).toEqual([put('old', { web: 0 })]);
    expect(d.job('o-web-2', 'old', 'web', 'down').formations).toEqual([put('new', { web: 2 })]);
    expect(d.job('n2', 'new', 'web', 'up')).toMatchObject({ done: true, setRelease: 'new', formations: [] });
  });

  it('in-batches: steps of flynn-deploy-batch-size', () => {
    const first = startDeployment(spec('in-batches', { web: 3 }, { batchSize: 2 }), start({ web: 3 }));
    expect(first.formations).toEqual([put('new', { web: 2 })]);
    expect(first.waits).toMatchObject([{ until: 'up', count: 2 }]);
    const d = drive(first);
    d.job('n1', 'new', 'web', 'up');
    expect(d.job('n2', 'new', 'web', 'up').formations).toEqual([put('old', { web: 1 })]);
    d.job('o-web-1', 'old', 'web', 'down');
    expect(d.job('o-web-2', 'old', 'web', 'down').formations).toEqual([put('new', { web: 3 })]);
    expect(d.job('n3', 'new', 'web', 'up').formations).toEqual([put('old', { web: 0 })]);
    expect(d.job('o-web-3', 'old', 'web', 'down')).toMatchObject({ done: true, setRelease: 'new' });
  });

  it('in-batches: the batch defaults to the number of hosts', () => {
    const first = startDeployment(spec('in-batches', { web: 4 }), start({ web: 4 }, { hostCount: 3 }));
    expect(first.state.steps.map((s) => [s.release, s.processes.web])).toEqual([
      ['new', 3],
      ['old', 1],
      ['new', 4],
      ['old', 0],
    ]);
  });

  it('skips counts a previous attempt already reached', () => {
    const jobs = [...oldJobs('web', 1), { id: 'n1', release: 'new', type: 'web', state: 'up' as const }];
    const first = startDeployment(spec('one-by-one', { web: 2 }), start({ web: 1 }, { newFormation: { web: 1 }, jobs }));
    // new web=1 is already there: the steps start at new 1 → 2, and old 1 → 0 follows
    expect(first.formations).toEqual([put('new', { web: 2 })]);
    expect(first.state.steps).toEqual([
      { release: 'new', processes: { web: 2 }, wait: true },
      { release: 'old', processes: { web: 0 }, wait: true },
    ]);
  });
});

describe('deploy: failures and rollback', () => {
  it('a wait past deploy_timeout rolls back: old formation restored (wait ≤ 10 s), new removed, failed', () => {
    const d = drive(startDeployment(spec('one-by-one', { web: 2 }), start({ web: 2 })));
    d.job('n1', 'new', 'web', 'up');
    d.tick(5_000);
    expect(d.job('o-web-1', 'old', 'web', 'down').waits).toEqual([{ release: 'new', type: 'web', until: 'up', count: 2, deadline: 5_000 + T * 1000 }]);
    expect(d.tick(5_000 + T * 1000 - 1).formations).toEqual([]);
    const out = d.tick(5_000 + T * 1000);
    expect(out.formations).toEqual([put('old', { web: 2 })]);
    expect(out.waits).toEqual([{ release: 'old', type: 'web', until: 'up', count: 2, deadline: 5_000 + T * 1000 + 10_000 }]);
    expect(out.done).toBe(false);
    expect(d.state.status).toBe('rolling-back');
    const back = d.job('o-web-3', 'old', 'web', 'up');
    expect(back.formations).toEqual([{ kind: 'delete', app: 'app', release: 'new' }]);
    expect(back.events).toEqual([running('old', 'web', 'up'), failed('timed out after 120 s waiting for web jobs up (1 of 2)')]);
    expect(back).toMatchObject({ done: true, waits: [] });
    expect(back.setRelease).toBeUndefined();
    expect(d.state.status).toBe('failed');
  });

  it('the rollback gives up waiting after 10 s but still removes the new formation', () => {
    const d = drive(startDeployment(spec('one-by-one', { web: 1 }), start({ web: 1 })));
    // nothing changed in the old formation yet: nothing to restore, the new formation goes at once
    expect(d.tick(T * 1000)).toMatchObject({ formations: [{ kind: 'delete', app: 'app', release: 'new' }], done: true });
    expect(d.state.status).toBe('failed');
    const d2 = drive(startDeployment(spec('one-down-one-up', { web: 1 }), start({ web: 1 })));
    d2.job('o-web-1', 'old', 'web', 'down');
    const out = d2.tick(T * 1000);
    expect(out.formations).toEqual([put('old', { web: 1 })]);
    const end = d2.tick(T * 1000 + 10_000);
    expect(end.formations).toEqual([{ kind: 'delete', app: 'app', release: 'new' }]);
    expect(end.events).toEqual([failed('timed out after 120 s waiting for web jobs up (0 of 1)')]);
    expect(d2.state.rollbackError).toMatch(/^timed out after 10 s waiting for the old formation/);
  });

  it('tolerates 5 new jobs going down during a scale-up and aborts on the 6th', () => {
    const d = drive(startDeployment(spec('all-at-once', { web: 1 }), start({ web: 1 })));
    for (let i = 1; i <= 5; i++) {
      d.job(`n${i}`, 'new', 'web', 'starting');
      expect(d.job(`n${i}`, 'new', 'web', 'down', 'exit status 1').done).toBe(false);
    }
    // a repeated event for the same job is not another failure
    expect(d.job('n5', 'new', 'web', 'down').done).toBe(false);
    const out = d.job('n6', 'new', 'web', 'down', 'exec: not found');
    expect(out.formations).toEqual([{ kind: 'delete', app: 'app', release: 'new' }]);
    expect(out.events.at(-1)).toEqual(failed('web job failed to start: exec: not found'));
    expect(out.done).toBe(true);
  });

  it('does not roll back once the new jobs were fully up', () => {
    const d = drive(startDeployment(spec('one-by-one', { web: 1 }), start({ web: 1 })));
    expect(d.job('n1', 'new', 'web', 'up').formations).toEqual([put('old', { web: 0 })]);
    expect(d.state.newFullyUp).toBe(true);
    const out = d.tick(T * 1000);
    expect(out.formations).toEqual([]);
    expect(out.events).toEqual([failed('timed out after 120 s waiting for web jobs down (1 left, want 0)')]);
    expect(out).toMatchObject({ done: true });
    expect(d.state.status).toBe('failed');
  });

  it('does not count old jobs going down, or new jobs the scheduler stopped, as failures', () => {
    const d = drive(startDeployment(spec('all-at-once', { web: 1 }), start({ web: 1 })));
    for (let i = 0; i < 10; i++) {
      d.job(`x${i}`, 'old', 'web', 'down');
      d.job(`s${i}`, 'new', 'web', 'stopping');
      d.job(`s${i}`, 'new', 'web', 'down');
    }
    expect(d.state.failures).toBe(0);
    expect(d.state.status).toBe('running');
  });

  it('fails an unknown or unsupported strategy at once, changing nothing', () => {
    const out = startDeployment(spec('sideways', { web: 1 }), start({ web: 1 }));
    expect(out).toMatchObject({ formations: [], done: true, events: [failed('deployment: unknown strategy "sideways"')] });
    expect(startDeployment(spec('sirenia', { web: 1 }), start({ web: 1 })).events[0]?.error).toMatch(/not supported/);
  });

  it('rejects an unusable record with a typed error', () => {
    const bad = [spec('one-by-one', { web: 1 }, { deployTimeout: 0 }), spec('in-batches', { web: 1 }, { batchSize: 0 }), spec('all-at-once', { web: -1 })];
    for (const s of bad) {
      let err: unknown;
      try {
        startDeployment(s, start({ web: 1 }));
      } catch (e) {
        err = e;
      }
      expect(isSchedulerError(err, SCHEDULER_INVALID_DEPLOYMENT)).toBe(true);
      expect((err as { status: number }).status).toBe(400);
    }
  });
});
