/**
 * Providers and resources (reference §5.3). Provisioning POSTs the config to
 * the provider, then records the resource, attaches it to the requested apps
 * and gives each app a release with the resource's env, all in one
 * transaction; if that fails, the resource is deprovisioned again.
 */
import { parseNewProvider, parseResourcePut, parseResourceRequest } from '../core/resource-input.js';
import { canonicalUuid } from '../core/validate.js';
import { findApp, getApp } from '../data/apps.js';
import { attachEnvRelease } from '../data/resource-env.js';
import { addResourceApp, getProvider, getResource, insertProvider, listProviders, listResources, putResource, removeResourceApp, softDeleteResource } from '../data/resources.js';
import { validationError } from '../errors.js';
import type { App } from '../types.js';
import type { Queryable, Tx } from '../db/database.js';
import type { ApiDeps, ControllerApp } from './context.js';
import { param, readJson, readOptionalJson } from './context.js';

/** The apps named in a request (ids or names); in a transaction, locked. */
async function resolveApps(q: Queryable, ids: readonly string[], forUpdate = false): Promise<App[]> {
  const apps: App[] = [];
  for (const [i, id] of ids.entries()) {
    const app = await findApp(q, id, { forUpdate });
    if (!app) throw validationError(`apps.${i}`, `could not find app ${JSON.stringify(id.slice(0, 100))}`);
    if (!apps.some((a) => a.id === app.id)) apps.push(app);
  }
  return apps;
}

export function mountResourceRoutes(app: ControllerApp, deps: ApiDeps): void {
  const { db } = deps;

  app.post('/providers', async (c) => {
    const input = parseNewProvider(await readJson(c));
    return c.json(await db.tx((tx) => insertProvider(tx, input)));
  });
  app.get('/providers', async (c) => c.json(await listProviders(db)));
  app.get('/providers/:p', async (c) => c.json(await getProvider(db, param(c, 'p'))));

  app.post('/providers/:p/resources', async (c) => {
    const input = parseResourceRequest(await readOptionalJson(c));
    const provider = await getProvider(db, param(c, 'p'));
    await resolveApps(db, input.apps);
    const provisioned = await deps.providers.provision(provider.url, input.config);
    try {
      const resource = await db.tx(async (tx: Tx) => {
        const apps = await resolveApps(tx, input.apps, true);
        const r = await putResource(tx, { providerId: provider.id, externalId: provisioned.id, env: provisioned.env }, apps);
        for (const a of apps) await attachEnvRelease(tx, a.id, provisioned.env);
        return r;
      });
      return c.json(resource);
    } catch (err) {
      await deps.providers.deprovision(provider.url, provisioned.id).catch((e: unknown) => {
        deps.logger.warn({ event: 'resource_rollback_failed', provider: provider.name, externalId: provisioned.id, err: e }, 'could not deprovision after a failed provisioning');
      });
      throw err;
    }
  });
  app.get('/providers/:p/resources', async (c) => c.json(await listResources(db, { providerId: (await getProvider(db, param(c, 'p'))).id })));
  app.get('/providers/:p/resources/:r', async (c) => {
    const provider = await getProvider(db, param(c, 'p'));
    return c.json(await getResource(db, param(c, 'r'), provider.id));
  });
  app.put('/providers/:p/resources/:r', async (c) => {
    const input = parseResourcePut(await readJson(c));
    const resourceId = canonicalUuid(param(c, 'r'));
    if (!resourceId) throw validationError('id', 'must be a UUID');
    const resource = await db.tx(async (tx) => {
      const provider = await getProvider(tx, param(c, 'p'));
      const apps = await resolveApps(tx, input.apps, true);
      return putResource(tx, { id: resourceId, providerId: provider.id, externalId: input.externalId, env: input.env }, apps);
    });
    return c.json(resource);
  });
  app.delete('/providers/:p/resources/:r', async (c) => {
    const provider = await getProvider(db, param(c, 'p'));
    const resource = await getResource(db, param(c, 'r'), provider.id);
    await deps.providers.deprovision(provider.url, resource.external_id);
    return c.json(await db.tx((tx) => softDeleteResource(tx, resource)));
  });
  app.put('/providers/:p/resources/:r/apps/:app', async (c) => {
    const resource = await db.tx(async (tx) => {
      const provider = await getProvider(tx, param(c, 'p'));
      const r = await getResource(tx, param(c, 'r'), provider.id);
      const a = await getApp(tx, param(c, 'app'), { forUpdate: true });
      const updated = await addResourceApp(tx, r, a);
      if (!r.apps.includes(a.id)) await attachEnvRelease(tx, a.id, r.env);
      return updated;
    });
    return c.json(resource);
  });
  app.delete('/providers/:p/resources/:r/apps/:app', async (c) => {
    const resource = await db.tx(async (tx) => {
      const provider = await getProvider(tx, param(c, 'p'));
      const r = await getResource(tx, param(c, 'r'), provider.id);
      return removeResourceApp(tx, r, await getApp(tx, param(c, 'app')));
    });
    return c.json(resource);
  });
  app.get('/resources', async (c) => c.json(await listResources(db)));
  app.get('/apps/:app/resources', async (c) => c.json(await listResources(db, { appId: (await getApp(db, param(c, 'app'))).id })));
}
