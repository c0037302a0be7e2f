/**
 * Deployments (reference §5.3, §6.5): `POST /apps/:app/deploy` creates one,
 * the lists and `GET /deployments/:id` read them, and the deployer reports
 * its progress with `POST /deployments/:id/events` (the original's deployer
 * wrote the database directly; ours runs next to the scheduler and has only
 * the API): each report sets the status and emits the `deployment` event in
 * one transaction, and answers the deployment as it now is.
 */
import { parseDeploymentEventInput } from '../core/deployment-event-input.js';
import { asObject, str } from '../core/validate.js';
import { getApp, setAppRelease } from '../data/apps.js';
import { createDeployment, getDeployment, listDeployments, setDeploymentStatus } from '../data/deployments.js';
import type { DeploymentStatusExtra } from '../data/deployments.js';
import { getRelease } from '../data/releases.js';
import { ifNotFound, validationError } from '../errors.js';
import type { ApiDeps, ControllerApp } from './context.js';
import { param, readJson } from './context.js';

export function mountDeploymentRoutes(app: ControllerApp, deps: ApiDeps): void {
  const { db } = deps;

  app.post('/apps/:app/deploy', async (c) => {
    const body = asObject(await readJson(c));
    const releaseId = str(body, 'id') ?? str(body, 'release');
    if (!releaseId) throw validationError('id', 'is required');
    const deployment = await db.tx(async (tx) => {
      const a = await getApp(tx, param(c, 'app'), { forUpdate: true });
      const release = await getRelease(tx, releaseId).catch(ifNotFound(undefined));
      if (release && release.app_id !== a.id) throw validationError('', `could not find release with ID ${releaseId}`);
      return createDeployment(tx, a, releaseId, setAppRelease);
    });
    return c.json(deployment);
  });
  app.get('/apps/:app/deployments', async (c) => c.json(await listDeployments(db, (await getApp(db, param(c, 'app'))).id)));
  app.get('/deployments/:id', async (c) => c.json(await getDeployment(db, param(c, 'id'))));

  app.post('/deployments/:id/events', async (c) => {
    const input = parseDeploymentEventInput(await readJson(c));
    const extra: DeploymentStatusExtra = {};
    if (input.release) extra.release = input.release;
    if (input.jobType) extra.jobType = input.jobType;
    if (input.jobState) extra.jobState = input.jobState;
    if (input.error) extra.error = input.error;
    const deployment = await db.tx((tx) => setDeploymentStatus(tx, param(c, 'id'), input.status, extra));
    return c.json(deployment);
  });
}
