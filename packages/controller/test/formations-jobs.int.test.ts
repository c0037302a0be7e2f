/**
 * Formations, scale requests, deployments and jobs (the original's
 * formation_test.go, deployment_test.go and jobs_test.go checks that apply).
 */
import { setDeploymentStatus } from '@flynn-ts/controller';
import { beforeEach, describe, expect, it } from 'vitest';
import { collectN } from './collect.js';
import { appWithRelease, controllerHooks, PG_MISSING, sql } from './harness.js';

const JOB = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

describe.skipIf(PG_MISSING)('formations, scaling, deployments and jobs', () => {
  const stopped: string[] = [];
  beforeEach(() => {
    stopped.length = 0;
  });
  const t = controllerHooks({
    hostClientFor: (hostId) => {
      if (hostId !== 'host1') throw Object.assign(new Error('no such host'), {});
      return { stopJob: async (id) => void stopped.push(id) };
    },
  });

  it('puts, gets, expands, lists and deletes formations through scale requests', async () => {
    const { appId, releaseId, artifactId } = await appWithRelease(t.c, 'f1', ['web', 'worker']);
    const put = await t.c.call('PUT', `/apps/f1/formations/${releaseId}`, { processes: { web: 2 }, tags: { web: { disk: 'ssd' } } });
    expect(put.body).toMatchObject({ app: appId, release: releaseId, processes: { web: 2 }, tags: { web: { disk: 'ssd' } } });
    await t.c.call('PUT', `/apps/f1/formations/${releaseId}`, { processes: { worker: 1 } });
    const f = (await t.c.call('GET', `/apps/f1/formations/${releaseId}`)).body;
    expect(f.processes).toEqual({ web: 2, worker: 1 });
    const ef = (await t.c.call('GET', `/apps/f1/formations/${releaseId}?expand=true`)).body;
    expect(ef).toMatchObject({ app: { id: appId, name: 'f1' }, release: { id: releaseId }, processes: { web: 2, worker: 1 } });
    expect(ef.artifacts.map((a: { id: string }) => a.id)).toEqual([artifactId]);
    expect(ef.pending_scale_request).toMatchObject({ state: 'pending', new_processes: { worker: 1 }, old_processes: { web: 2 } });
    expect((await t.c.call('GET', '/apps/f1/formations')).body).toHaveLength(1);
    const active = (await t.c.call('GET', '/formations?active=true')).body;
    expect(active.map((x: { release: { id: string } }) => x.release.id)).toEqual([releaseId]);
    expect((await t.c.call('GET', '/formations')).status).toBe(400);

    expect((await t.c.call('DELETE', `/apps/f1/formations/${releaseId}`)).status).toBe(200);
    expect((await t.c.call('GET', `/apps/f1/formations/${releaseId}`)).status).toBe(404);
    expect((await t.c.call('GET', '/formations?active=true')).body).toEqual([]);
  });

  it('validates formations: unknown process types, undeployable releases, negative counts', async () => {
    const { releaseId } = await appWithRelease(t.c, 'f2');
    const unknown = await t.c.call('PUT', `/apps/f2/formations/${releaseId}`, { processes: { nope: 1 } });
    expect(unknown.body.message).toMatch(/do not exist in the release: nope/);
    expect((await t.c.call('PUT', `/apps/f2/formations/${releaseId}`, { processes: { web: -1 } })).body.detail).toEqual({ field: 'processes.web' });
    const app = (await t.c.call('GET', '/apps/f2')).body;
    const bare = (await t.c.call('POST', '/releases', { app_id: app.id, processes: { web: {} } })).body;
    expect((await t.c.call('PUT', `/apps/f2/formations/${bare.id}`, { processes: { web: 1 } })).body.message).toBe('release is not deployable');
    const other = await appWithRelease(t.c, 'f3');
    expect((await t.c.call('PUT', `/apps/f2/formations/${other.releaseId}`, { processes: { web: 1 } })).status).toBe(404);
  });

  it('records scale requests: a new one cancels the pending one; a scheduler completes it', async () => {
    const { releaseId } = await appWithRelease(t.c, 's1');
    const first = (await t.c.call('PUT', `/apps/s1/scale/${releaseId}`, { new_processes: { web: 1 } })).body;
    const second = (await t.c.call('PUT', `/apps/s1/scale/${releaseId}`, { new_processes: { web: 3 }, state: 'pending' })).body;
    expect(first).toMatchObject({ state: 'pending', new_processes: { web: 1 } });
    expect(second).toMatchObject({ state: 'pending', old_processes: { web: 1 }, new_processes: { web: 3 } });
    const states = await sql(t.db, 'SELECT scale_request_id AS id, state FROM scale_requests ORDER BY created_at');
    expect(states).toEqual([
      { id: first.id, state: 'cancelled' },
      { id: second.id, state: 'pending' },
    ]);
    const done = await t.c.call('PUT', `/apps/s1/scale/${releaseId}`, { id: second.id, state: 'complete' });
    expect(done.body).toMatchObject({ id: second.id, state: 'complete' });
    expect((await t.c.call('PUT', `/apps/s1/scale/${releaseId}`, { state: 'complete' })).body.detail).toEqual({ field: 'id' });
    expect((await t.c.call('PUT', `/apps/s1/scale/${releaseId}`, {})).body.message).toMatch(/either processes or tags/);
    const types = (await t.c.call('GET', '/events?object_types=scale_request,scale_request_cancelation')).body.map((e: { object_type: string }) => e.object_type);
    expect(types).toEqual(['scale_request', 'scale_request_cancelation', 'scale_request', 'scale_request']); // newest first
  });

  it('streams expanded formations to schedulers: the initial ones, "current", then changes', async () => {
    const { releaseId } = await appWithRelease(t.c, 'st');
    await t.c.call('PUT', `/apps/st/formations/${releaseId}`, { processes: { web: 1 } });
    const stream = t.c.client.streamFormations();
    const it = stream[Symbol.asyncIterator]();
    const initial = await collectN(it, 2);
    expect(initial[0]).toMatchObject({ type: 'formation', formation: { processes: { web: 1 } } });
    expect(initial[1]).toEqual({ type: 'current' });
    await t.c.call('PUT', `/apps/st/formations/${releaseId}`, { processes: { web: 4 } });
    const [change] = await collectN(it, 1);
    expect(change).toMatchObject({ type: 'formation', formation: { processes: { web: 4 }, release: { id: releaseId } } });
    await t.c.call('DELETE', `/apps/st/formations/${releaseId}`);
    const [deleted] = await collectN(it, 1);
    expect(deleted).toMatchObject({ type: 'formation', formation: { deleted: true } });
    stream.close();
  });

  it('creates deployments: at once when nothing runs, pending otherwise, one at a time', async () => {
    const { releaseId } = await appWithRelease(t.c, 'd1');
    const first = (await t.c.call('POST', '/apps/d1/deploy', { id: releaseId })).body;
    expect(first).toMatchObject({ status: 'complete', type: 'code', new_release: releaseId, strategy: 'all-at-once', deploy_timeout: 120 });
    expect(first.finished_at).toBeDefined();
    expect((await t.c.call('GET', '/apps/d1')).body.release).toBe(releaseId);

    await t.c.call('PUT', `/apps/d1/formations/${releaseId}`, { processes: { web: 2 } });
    const app = (await t.c.call('GET', '/apps/d1')).body;
    const next = (await t.c.call('POST', '/releases', { app_id: app.id, artifacts: [(await t.c.call('GET', `/releases/${releaseId}`)).body.artifacts[0]], env: { NEW: '1' }, processes: { web: {} } })).body;
    const pending = await t.c.call('POST', '/apps/d1/deploy', { id: next.id });
    expect(pending.body).toMatchObject({ status: 'pending', type: 'config', old_release: releaseId, new_release: next.id, processes: { web: 2 } });
    const busy = await t.c.call('POST', '/apps/d1/deploy', { id: next.id });
    expect(busy.status).toBe(400);
    expect(busy.body).toMatchObject({ code: 'validation_error', message: 'Cannot create deploy, there is already one in progress for this app.' });
    expect((await t.c.call('GET', `/deployments/${pending.body.id}`)).body.status).toBe('pending');
    expect((await t.c.call('GET', '/apps/d1/deployments')).body.map((d: { id: string }) => d.id)).toEqual([pending.body.id, first.id]);

    // The deployer finishing it frees the app for the next deployment.
    await t.c.controller.db.tx((tx) => setDeploymentStatus(tx, pending.body.id, 'complete'));
    expect((await t.c.call('POST', '/apps/d1/deploy', { id: next.id })).status).toBe(200);
    expect((await t.c.call('POST', '/apps/d1/deploy', { id: '00000000-0000-4000-8000-000000000000' })).body.message).toMatch(/could not find release/);
  });

  it('upserts jobs by UUID or cluster id, lists them, keeps down jobs down, and kills through the host', async () => {
    const { appId, releaseId } = await appWithRelease(t.c, 'j1');
    const up = await t.c.call('PUT', `/apps/j1/jobs/host1-${JOB}`, { release: releaseId, type: 'web', state: 'starting' });
    expect(up.body).toMatchObject({ id: `host1-${JOB}`, uuid: JOB, host_id: 'host1', app: appId, release: releaseId, type: 'web', state: 'starting' });
    await t.c.call('PUT', `/apps/j1/jobs/${JOB}`, { state: 'up', id: `host1-${JOB}` });
    expect((await t.c.call('GET', `/apps/j1/jobs/host1-${JOB}`)).body.state).toBe('up');
    expect((await t.c.call('GET', `/apps/j1/jobs/${JOB}`)).body.state).toBe('up');
    expect((await t.c.call('GET', '/apps/j1/jobs')).body).toHaveLength(1);
    expect((await t.c.call('GET', '/active-jobs')).body).toHaveLength(1);

    expect((await t.c.call('DELETE', `/apps/j1/jobs/${JOB}`)).status).toBe(200);
    expect(stopped).toEqual([`host1-${JOB}`]);

    await t.c.call('PUT', `/apps/j1/jobs/${JOB}`, { state: 'down', exit_status: 0 });
    expect((await t.c.call('GET', '/active-jobs')).body).toEqual([]);
    const back = await t.c.call('PUT', `/apps/j1/jobs/${JOB}`, { state: 'up' });
    expect(back.status).toBe(400);
    expect(back.body.detail).toEqual({ field: 'state' });

    const pendingJob = '4f2504e0-4f89-41d3-9a0c-0305e82c3302';
    await t.c.call('PUT', `/apps/j1/jobs/${pendingJob}`, { state: 'pending' });
    expect((await t.c.call('DELETE', `/apps/j1/jobs/${pendingJob}`)).body.message).toMatch(/not been placed on a host/);
    // one event per (job, state): repeating a state adds none
    await t.c.call('PUT', `/apps/j1/jobs/${pendingJob}`, { state: 'pending' });
    const jobEvents = (await t.c.call('GET', '/events?object_types=job')).body;
    expect(jobEvents.map((e: { data: { state: string } }) => e.data.state)).toEqual(['pending', 'down', 'up', 'starting']);
  });
});
