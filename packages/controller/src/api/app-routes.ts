/** Apps, their current release and release deletion (reference §5.3). */
import { parseAppUpdate, parseNewApp } from '../core/app-input.js';
import { asObject, str } from '../core/validate.js';
import { collectAppGarbage } from '../data/app-gc.js';
import { deleteApp, getApp, insertApp, listApps, setAppRelease, updateApp } from '../data/apps.js';
import { deleteAppRelease, getRelease, listAppReleases } from '../data/releases.js';
import { getProvider, softDeleteResource } from '../data/resources.js';
import { notFound } from '../errors.js';
import type { Resource } from '../types.js';
import type { ApiContext, ApiDeps, ControllerApp } from './context.js';
import { ok, param, readJson } from './context.js';

export function mountAppRoutes(app: ControllerApp, deps: ApiDeps): void {
  const { db } = deps;
  const ctx = { defaultRouteDomain: deps.defaultRouteDomain, nameSeed: deps.nameSeed, logger: deps.logger };

  app.post('/apps', async (c) => {
    const input = parseNewApp(await readJson(c));
    return c.json(await db.tx((tx) => insertApp(tx, input, ctx)));
  });
  app.get('/apps', async (c) => c.json(await listApps(db)));
  app.get('/apps/:app', async (c) => c.json(await getApp(db, param(c, 'app'))));

  const update = async (c: ApiContext) => {
    const input = parseAppUpdate(await readJson(c));
    return c.json(await db.tx(async (tx) => updateApp(tx, await getApp(tx, param(c, 'app'), { forUpdate: true }), input)));
  };
  app.post('/apps/:app', update);
  app.post('/apps/:app/meta', update);

  app.delete('/apps/:app', async (c) => {
    const result = await db.tx(async (tx) => deleteApp(tx, await getApp(tx, param(c, 'app'), { forUpdate: true })));
    for (const resource of result.orphanedResources) await deprovisionOrphan(deps, resource);
    return ok(c);
  });

  app.get('/apps/:app/release', async (c) => {
    const a = await getApp(db, param(c, 'app'));
    if (!a.release) throw notFound('release');
    return c.json(await getRelease(db, a.release));
  });
  app.put('/apps/:app/release', async (c) => {
    const body = asObject(await readJson(c));
    const releaseId = str(body, 'id', { required: true })!;
    const { release } = await db.tx(async (tx) => setAppRelease(tx, await getApp(tx, param(c, 'app'), { forUpdate: true }), releaseId));
    return c.json(release);
  });
  app.post('/apps/:app/gc', async (c) => {
    await db.tx(async (tx) => collectAppGarbage(tx, await getApp(tx, param(c, 'app'), { forUpdate: true })));
    return ok(c);
  });
  app.get('/apps/:app/releases', async (c) => c.json(await listAppReleases(db, (await getApp(db, param(c, 'app'))).id)));
  app.delete('/apps/:app/releases/:release', async (c) => {
    await db.tx(async (tx) => deleteAppRelease(tx, (await getApp(tx, param(c, 'app'))).id, param(c, 'release')));
    return ok(c);
  });
}

/** After an app deletion: a resource no app uses any more is deprovisioned, then deleted (best effort). */
async function deprovisionOrphan(deps: ApiDeps, resource: Resource): Promise<void> {
  try {
    const provider = await getProvider(deps.db, resource.provider);
    await deps.providers.deprovision(provider.url, resource.external_id);
    await deps.db.tx((tx) => softDeleteResource(tx, resource));
  } catch (err) {
    deps.logger.warn({ event: 'resource_deprovision_failed', resource: resource.id, err }, 'could not deprovision a resource of a deleted app');
  }
}
