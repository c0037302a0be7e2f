/**
 * `POST /deployments/:id/events` (the deployer's progress reports) on the
 * real controller and PostgreSQL: each report sets the status and writes the
 * `deployment` event in one transaction (seen in the table and on the event
 * stream, with the release the event is about), the status only moves
 * forward, and bad input is a 4xx naming the field — over a socket through
 * `ControllerClient` and through the fetch handler.
 */
import { HttpError } from '@flynn-ts/core';
import fc from 'fast-check';
import type { ControllerEvent, DeploymentEvent } from '@flynn-ts/controller';
import { describe, expect, it } from 'vitest';
import { StreamCollector } from './collect.js';
import { appWithRelease, controllerHooks, PG_MISSING, sql } from './harness.js';

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe.skipIf(PG_MISSING)('deployment progress reports', () => {
  const t = controllerHooks();

  /** An app running release A (web=2) with a pending deployment to release B. */
  async function pendingDeployment(name: string) {
    const { appId, releaseId: oldRelease, artifactId } = await appWithRelease(t.c, name);
    const first = (await t.c.call('POST', `/apps/${name}/deploy`, { id: oldRelease })).body;
    expect(first.status).toBe('complete');
    await t.c.call('PUT', `/apps/${name}/formations/${oldRelease}`, { processes: { web: 2 } });
    const next = await t.c.client.createRelease(appId, { artifacts: [artifactId], env: { V: '2' }, processes: { web: { args: ['web'] } } });
    const d = await t.c.client.createDeployment(appId, next.id);
    expect(d.status).toBe('pending');
    return { appId, oldRelease, newRelease: next.id, deployment: d, first: first.id as string };
  }

  const eventRows = async (deploymentId: string) =>
    (await sql<{ data: DeploymentEvent }>(t.db, "SELECT data FROM events WHERE object_type = 'deployment' AND object_id = $1 ORDER BY event_id", [deploymentId])).map((r) => r.data);

  it('records each report with its event (old-release jobs carry the old release), then complete; a finished deployment stays finished', async () => {
    const { appId, oldRelease, newRelease, deployment, first } = await pendingDeployment('rep');
    const events = t.c.client.streamEvents({ appId, objectTypes: ['deployment'], past: true });
    const stream = new StreamCollector<ControllerEvent>(events);
    const base = { app: appId, deployment: deployment.id };

    expect(await t.c.client.createDeploymentEvent(deployment.id, { status: 'running' })).toMatchObject({ id: deployment.id, status: 'running' });
    await t.c.client.createDeploymentEvent(deployment.id, { status: 'running', release: newRelease, job_type: 'web', job_state: 'up' });
    await t.c.client.createDeploymentEvent(deployment.id, { status: 'running', release: oldRelease, job_type: 'web', job_state: 'down' });
    expect((await t.c.client.getDeployment(deployment.id)).finished_at).toBeUndefined();
    const done = await t.c.client.createDeploymentEvent(deployment.id, { status: 'complete' });
    expect(done).toMatchObject({ status: 'complete', new_release: newRelease, old_release: oldRelease });
    expect(done.finished_at).toBeDefined();
    expect(await t.c.client.getDeployment(deployment.id)).toEqual(done);

    const expected: DeploymentEvent[] = [
      { ...base, release: newRelease, status: 'pending' },
      { ...base, release: newRelease, status: 'running' },
      { ...base, release: newRelease, status: 'running', job_type: 'web', job_state: 'up' },
      { ...base, release: oldRelease, status: 'running', job_type: 'web', job_state: 'down' },
      { ...base, release: newRelease, status: 'complete' },
    ];
    expect(await eventRows(deployment.id)).toEqual(expected);

    // The same final status again (a retried request): 200, the record unchanged, no event.
    expect(await t.c.client.createDeploymentEvent(deployment.id, { status: 'complete' })).toEqual(done);
    // Anything else: 409, nothing written.
    for (const status of ['running', 'failed'] as const) {
      const err = await t.c.client.createDeploymentEvent(deployment.id, { status }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HttpError);
      expect(err).toMatchObject({ status: 409, apiCode: 'conflict' });
    }
    const raw = await t.c.call('POST', `/deployments/${deployment.id}/events`, { status: 'running', job_type: 'web', job_state: 'up' });
    expect(raw.status).toBe(409);
    expect(raw.body).toMatchObject({ code: 'conflict', message: `deployment ${deployment.id} is complete: it cannot become running` });
    expect(await eventRows(deployment.id)).toHaveLength(5);
    expect((await t.c.client.getDeployment(deployment.id)).status).toBe('complete');
    // The app is free for the next deployment.
    const again = (await t.c.call('POST', `/apps/${appId}/deploy`, { id: oldRelease })).body;
    expect(again.status).toBe('pending');
    // The app's stream: the first (immediate) deployment, these events in order, and the next deployment's
    // `pending` right after `complete` (the no-op and refused reports wrote nothing).
    expect((await stream.take(7)).map((e) => e.data)).toEqual([
      { app: appId, deployment: first, release: oldRelease, status: 'complete' },
      ...expected,
      { app: appId, deployment: again.id, release: oldRelease, status: 'pending' },
    ]);
    events.close();
  });

  it('fails a deployment with the error; failed is final', async () => {
    const { appId, newRelease, deployment } = await pendingDeployment('fail');
    const failed = await t.c.client.createDeploymentEvent(deployment.id, { status: 'failed', error: 'web job failed to start: exit status 1' });
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed.finished_at).toBeDefined();
    expect((await eventRows(deployment.id)).at(-1)).toEqual({ app: appId, deployment: deployment.id, release: newRelease, status: 'failed', error: 'web job failed to start: exit status 1' });
    expect((await t.c.call('POST', `/deployments/${deployment.id}/events`, { status: 'complete' })).status).toBe(409);
    expect((await t.c.call('POST', `/deployments/${deployment.id}/events`, { status: 'failed', error: 'again' })).status).toBe(200);
    expect(await eventRows(deployment.id)).toHaveLength(2);
  });

  it('answers 400 naming the field, 404 for an unknown deployment, 401 without the key — and writes nothing', async () => {
    const { deployment } = await pendingDeployment('bad');
    const other = await appWithRelease(t.c, 'other');
    const path = `/deployments/${deployment.id}/events`;
    const cases: [unknown, string | undefined][] = [
      [{}, 'status'],
      [{ status: 'pending' }, 'status'],
      [{ status: 'finished' }, 'status'],
      [{ status: 'running', job_state: 'dancing' }, 'job_state'],
      [{ status: 'running', job_type: 7 }, 'job_type'],
      [{ status: 'running', release: 'not-a-uuid' }, 'release'],
      [{ status: 'running', release: other.releaseId }, 'release'],
      [{ status: 'running', extra: true }, 'extra'],
      [{ status: 'failed', error: { message: 'x' } }, 'error'],
    ];
    for (const [body, field] of cases) {
      const res = await t.c.call('POST', path, body);
      expect({ body, status: res.status, code: res.body?.code, detail: res.body?.detail }).toEqual({ body, status: 400, code: 'validation_error', detail: { field } });
    }
    expect((await t.c.call('POST', path, undefined, { raw: '{"status":' })).body).toMatchObject({ code: 'syntax_error' });
    expect((await t.c.call('POST', path, ['running'])).status).toBe(400);
    expect((await t.c.call('POST', `/deployments/${UNKNOWN}/events`, { status: 'running' })).body).toMatchObject({ code: 'not_found' });
    expect((await t.c.call('POST', '/deployments/nope/events', { status: 'running' })).status).toBe(404);
    expect((await t.c.call('POST', path, { status: 'running' }, { key: 'wrong' })).status).toBe(401);
    expect((await t.c.call('POST', path, { status: 'running' }, { key: null })).status).toBe(401);
    await expect(t.c.client.createDeploymentEvent(UNKNOWN, { status: 'running' })).rejects.toMatchObject({ status: 404 });

    expect(await eventRows(deployment.id)).toHaveLength(1);
    expect((await t.c.client.getDeployment(deployment.id)).status).toBe('pending');
  });

  it('deleting the app fails its unfinished deployment: a later report is a 409', async () => {
    const { appId, deployment } = await pendingDeployment('gone');
    await t.c.client.createDeploymentEvent(deployment.id, { status: 'running' });
    await t.c.client.deleteApp(appId);
    expect((await t.c.client.getDeployment(deployment.id)).status).toBe('failed');
    expect((await t.c.call('POST', `/deployments/${deployment.id}/events`, { status: 'running' })).status).toBe(409);
  });

  it('fuzzed reports: never a 5xx, a 4xx is a JSON {code, message}, and a refused report writes nothing', async () => {
    const { oldRelease, newRelease, deployment } = await pendingDeployment('fuzz');
    const value = fc.oneof(
      fc.constantFrom('running', 'complete', 'failed', 'pending', 'up', 'down', 'web', '', '\u0000', 'x'.repeat(70_000), oldRelease, newRelease, UNKNOWN),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const body = fc.oneof(
      fc.dictionary(fc.constantFrom('status', 'release', 'job_type', 'job_state', 'error'), value, { maxKeys: 5 }),
      fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 3 }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const snapshot = async () =>
      JSON.stringify((await t.c.controller.db.query("SELECT (SELECT string_agg(d::text, '|' ORDER BY d::text) FROM deployments d) AS d, (SELECT max(event_id) FROM events) AS e")).rows);
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const before = await snapshot();
        const res = await t.c.call('POST', `/deployments/${deployment.id}/events`, b);
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.body).toMatchObject({ code: expect.any(String), message: expect.any(String) });
          expect(await snapshot()).toBe(before);
        }
      }),
      { numRuns: 100, seed: 9 },
    );
  });
});
