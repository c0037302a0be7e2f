/** Jobs: one-off runs, scheduler upserts, listing, kill through the host (reference §5.3). */
import { parseJobInput } from '../core/formation-input.js';
import { parseNewJob } from '../core/new-job-input.js';
import { getApp } from '../data/apps.js';
import { getJob, listActiveJobs, listJobs, upsertJob } from '../data/jobs.js';
import { isControllerNotFound, notFound, unavailable, validationError } from '../errors.js';
import { isAttachUpgrade } from './attach-upgrade.js';
import type { ApiDeps, ControllerApp } from './context.js';
import { ok, param, readJson } from './context.js';

export function mountJobRoutes(app: ControllerApp, deps: ApiDeps): void {
  const { db } = deps;

  app.get('/apps/:app/jobs', async (c) => c.json(await listJobs(db, (await getApp(db, param(c, 'app'))).id)));
  app.post('/apps/:app/jobs', async (c) => {
    // Attached runs are upgrades, served by the upgrade handler (`controller.upgrade`) on the raw connection.
    if (isAttachUpgrade(c.req.header('upgrade'))) throw validationError('', 'attach (Upgrade: flynn-attach/0) is not served here: the HTTP server lacks the controller\'s upgrade handler (controller.upgrade)');
    const a = await getApp(db, param(c, 'app'));
    const input = parseNewJob(await readJson(c));
    if (!deps.jobs) throw unavailable('no hosts configured: the controller cannot run jobs');
    const prepared = await deps.jobs.prepare(a.id, input, { attach: false });
    return c.json(await deps.jobs.start(prepared));
  });
  app.get('/active-jobs', async (c) => c.json(await listActiveJobs(db)));
  app.get('/apps/:app/jobs/:job', async (c) => {
    const a = await getApp(db, param(c, 'app'));
    const job = await getJob(db, param(c, 'job'));
    if (job.app !== a.id) throw notFound('job');
    return c.json(job);
  });
  app.put('/apps/:app/jobs/:job', async (c) => {
    const input = parseJobInput(await readJson(c), param(c, 'job'));
    const job = await db.tx(async (tx) => {
      const a = await getApp(tx, param(c, 'app'));
      if (input.app && input.app !== a.id) throw validationError('app', 'does not match the app in the path');
      return upsertJob(tx, a.id, input);
    });
    return c.json(job);
  });
  app.delete('/apps/:app/jobs/:job', async (c) => {
    const a = await getApp(db, param(c, 'app'));
    const job = await getJob(db, param(c, 'job'));
    if (job.app !== a.id) throw notFound('job');
    if (!job.host_id) throw validationError('', 'cannot kill a job which has not been placed on a host');
    if (!deps.hostClientFor) throw unavailable('no host client configured');
    const host = await deps.hostClientFor(job.host_id);
    await host.stopJob(job.id ?? `${job.host_id}-${job.uuid}`).catch((err: unknown) => {
      // Host clients differ in their not-found code (`not_found`, `object_not_found`): answer as the original.
      if (isControllerNotFound(err)) throw notFound('job');
      throw err;
    });
    return ok(c);
  });
}
