/**
 * A deployment run against a fake controller and a job source the test
 * drives, with a ManualClock: formation writes in order, status writes, the
 * release set at the end, rollback after crashes, a wait timing out.
 */
import { ManualClock, flushMicrotasks, seededRandom } from '@flynn-ts/core/testing';
import { HttpError } from '@flynn-ts/core';
import { describe, expect, it } from 'vitest';
import type { DeployJob } from '../core/deploy/deploy-model.js';
import { DeploymentRun } from './deployment-run.js';
import type { DeployJobSource } from './deployment-run.js';
import type { DeployController } from './ports.js';
import type { WireDeployment, WireDeploymentEventReport } from './wire.js';

type Change = { id: string; app: string; release: string; type: string; state: DeployJob['state']; hostError?: string };

function setup(deployment: Partial<WireDeployment> = {}) {
  const clock = new ManualClock();
  const calls: string[] = [];
  const formations = new Map<string, Record<string, number>>([['old', { web: 2 }]]);
  const controller: DeployController = {
    appList: async () => [],
    getApp: async () => ({ id: 'app', name: 'app' }),
    getRelease: async (id) => ({ id, processes: { web: { args: ['x'] } } }),
    deploymentList: async () => [],
    getDeployment: async () => d,
    getFormation: async (_app, release) => {
      const p = formations.get(release);
      if (!p) throw new HttpError(404, { code: 'not_found', message: 'no formation' });
      return { processes: p };
    },
    putFormation: async (f) => {
      calls.push(`put ${f.release} ${JSON.stringify(f.processes)}`);
      formations.set(f.release, f.processes);
    },
    deleteFormation: async (_app, release) => {
      calls.push(`delete ${release}`);
      formations.delete(release);
    },
    setAppRelease: async (_app, release) => void calls.push(`release ${release}`),
    scheduleAppGarbageCollection: async () => void calls.push('gc'),
    streamEvents: () => ({ close() {}, async *[Symbol.asyncIterator]() {} }),
    createDeploymentEvent: async (id, e) => {
      if (id !== 'd1') throw new Error(`report for ${id}`);
      if (refusal) {
        refused.push(e.status);
        throw refusal;
      }
      reports.push(e);
      statuses.push([e.status, e.job_state, e.error].filter(Boolean).join(' '));
    },
  };
  const statuses: string[] = [];
  const reports: WireDeploymentEventReport[] = [];
  const refused: string[] = [];
  let refusal: Error | undefined;
  const listeners = new Set<(j: Change) => void>();
  const jobs = new Map<string, Change>([
    ['o1', { id: 'o1', app: 'app', release: 'old', type: 'web', state: 'up' }],
    ['o2', { id: 'o2', app: 'app', release: 'old', type: 'web', state: 'up' }],
  ]);
  const source: DeployJobSource = {
    jobsOf: () => [...jobs.values()],
    onJobChange: (fn) => (listeners.add(fn), () => listeners.delete(fn)),
    activeHostCount: () => 3,
  };
  const d: WireDeployment = { id: 'd1', app: 'app', old_release: 'old', new_release: 'new', strategy: 'one-by-one', status: 'pending', processes: { web: 2 }, deploy_timeout: 30, ...deployment };
  const ctl = new AbortController();
  const run = new DeploymentRun({
    deployment: d,
    controller,
    jobs: source,
    signal: ctl.signal,
    clock,
    random: seededRandom(1),
  });
  const job = async (id: string, release: string, state: DeployJob['state']) => {
    const j = { id, app: 'app', release, type: 'web', state };
    jobs.set(id, j);
    for (const fn of listeners) fn(j);
    await flushMicrotasks(100);
  };
    /** Every report from now on fails with `err`. */
  const refuse = (err: Error) => void (refusal = err);
  return { clock, calls, statuses, reports, refused, refuse, run, job, ctl };
}

describe('DeploymentRun', () => {
  it('runs one-by-one to completion: new +1 (up), old −1 (down), …, then sets the release', async () => {
    const t = setup();
    t.run.start();
    await flushMicrotasks(100);
    expect(t.calls).toEqual(['put new {"web":1}']);
    await t.job('n1', 'new', 'pending');
    await t.job('n1', 'new', 'up');
    expect(t.calls.at(-1)).toBe('put old {"web":1}');
    await t.job('o1', 'old', 'stopping');
    await t.job('o1', 'old', 'down');
    expect(t.calls.at(-1)).toBe('put new {"web":2}');
    await t.job('n2', 'new', 'up');
    await t.job('o2', 'old', 'down');
    await t.run.done;
    expect(t.calls).toEqual(['put new {"web":1}', 'put old {"web":1}', 'put new {"web":2}', 'put old {"web":0}', 'release new', 'gc']);
    expect(t.statuses).toEqual(['running', 'running pending', 'running up', 'running stopping', 'running down', 'running up', 'running down', 'complete']);
    // Each job event names the job's own release (as the original's deployer): old-release jobs the old one.
    expect(t.reports).toEqual([
      { status: 'running' },
      { status: 'running', release: 'new', job_type: 'web', job_state: 'pending' },
      { status: 'running', release: 'new', job_type: 'web', job_state: 'up' },
      { status: 'running', release: 'old', job_type: 'web', job_state: 'stopping' },
      { status: 'running', release: 'old', job_type: 'web', job_state: 'down' },
      { status: 'running', release: 'new', job_type: 'web', job_state: 'up' },
      { status: 'running', release: 'old', job_type: 'web', job_state: 'down' },
      { status: 'complete', release: 'new' },
    ]);
  });

  it('rolls back after new jobs crash more than 5 times: old formation kept, new one deleted, failed', async () => {
    const t = setup();
    t.run.start();
    await flushMicrotasks(100);
    for (let i = 1; i <= 6; i++) await t.job(`n${i}`, 'new', 'down');
    await t.run.done;
    expect(t.calls).toEqual(['put new {"web":1}', 'delete new']);
    expect(t.statuses.at(-1)).toBe('failed web job failed to start: got down job event');
    expect(t.reports.at(-1)).toEqual({ status: 'failed', release: 'new', error: 'web job failed to start: got down job event' });
  });

  it('fails when a wait passes deploy_timeout', async () => {
    const t = setup({ deploy_timeout: 5 });
    t.run.start();
    await flushMicrotasks(100);
    await t.clock.advanceAsync(4_000);
    expect(t.statuses).toEqual(['running']);
    await t.clock.advanceAsync(12_000);
    await t.run.done;
    expect(t.statuses.at(-1)).toMatch(/^failed timed out after 5 s waiting for web jobs up \(0 of 1\)/);
    expect(t.calls).toEqual(['put new {"web":1}', 'delete new']);
  });

  it('stops quietly when the controller says the deployment is finished elsewhere (409)', async () => {
    const t = setup();
    t.run.start();
    await flushMicrotasks(100);
    expect(t.calls).toEqual(['put new {"web":1}']);
    // As for a deployment failed by its app's deletion: no retry, no `failed` report, the run ends.
    t.refuse(new HttpError(409, { code: 'conflict', message: 'deployment d1 is failed: it cannot become running' }));
    await t.job('n1', 'new', 'up');
    await t.run.done;
    expect(t.refused).toEqual(['running']);
    expect(t.calls).toEqual(['put new {"web":1}', 'put old {"web":1}']);
  });
});
