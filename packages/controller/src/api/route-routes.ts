/**
 * Routes (reference §5.3, §7). `GET /routes` reads the routes and the newest
 * event id in one snapshot and returns the id in the `Flynn-Event-Id`
 * header, so a router can follow route events from exactly that point
 * (see `controllerRouteSource`).
 */
import { parseRouteInput } from '../core/route-input.js';
import { getApp } from '../data/apps.js';
import { latestEventId } from '../data/events.js';
import { deleteRouteIn, getRoute, insertRoute, listRoutes, routeParentRef, updateRoute } from '../data/routes.js';
import { notFound } from '../errors.js';
import type { Route } from '../types.js';
import type { Queryable } from '../db/database.js';
import { checkCertificate } from './certificate.js';
import type { ApiContext, ApiDeps, ControllerApp } from './context.js';
import { ok, param, readJson } from './context.js';

/** Response header of `GET /routes`: the newest event id as of the listing. */
export const ROUTES_EVENT_ID_HEADER = 'Flynn-Event-Id';

async function appRoute(q: Queryable, c: ApiContext): Promise<{ appId: string; route: Route }> {
  const a = await getApp(q, param(c, 'app'));
  const route = await getRoute(q, param(c, 'type'), param(c, 'id'));
  if (route.parent_ref !== routeParentRef(a.id)) throw notFound('route');
  return { appId: a.id, route };
}

export function mountRouteRoutes(app: ControllerApp, deps: ApiDeps): void {
  const { db } = deps;

  app.get('/routes', async (c) => {
    const { routes, eventId } = await db.tx(async (tx) => ({ eventId: await latestEventId(tx), routes: await listRoutes(tx) }), {
      isolation: 'repeatable read',
      readOnly: true,
    });
    c.header(ROUTES_EVENT_ID_HEADER, String(eventId));
    return c.json(routes);
  });
  app.get('/apps/:app/routes', async (c) => c.json(await listRoutes(db, routeParentRef((await getApp(db, param(c, 'app'))).id))));
  app.post('/apps/:app/routes', async (c) => {
    const input = parseRouteInput(await readJson(c));
    if (input.type === 'http' && input.certificate) checkCertificate(input.certificate);
    return c.json(await db.tx(async (tx) => insertRoute(tx, (await getApp(tx, param(c, 'app'))).id, input)));
  });
  app.get('/apps/:app/routes/:type/:id', async (c) => c.json((await appRoute(db, c)).route));
  app.put('/apps/:app/routes/:type/:id', async (c) => {
    const input = parseRouteInput(await readJson(c), param(c, 'type'));
    if (input.type === 'http' && input.certificate) checkCertificate(input.certificate);
    return c.json(await db.tx(async (tx) => updateRoute(tx, (await appRoute(tx, c)).route, input)));
  });
  app.delete('/apps/:app/routes/:type/:id', async (c) => {
    await db.tx(async (tx) => deleteRouteIn(tx, (await appRoute(tx, c)).route));
    return ok(c);
  });
}
