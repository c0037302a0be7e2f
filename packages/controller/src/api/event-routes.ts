/**
 * `GET /events` (reference §5.6, wire-observed): a JSON list when the client
 * sends `Accept: application/json` (newest first; `since_id`, `before_id`,
 * `count`), otherwise an SSE stream. The stream starts live, or with past
 * events (`past=true`, the newest `count` when given), or, when the client
 * sends `Last-Event-Id` (or `since_id`), with every matching event after that
 * id and no gap or duplicate, whichever controller process it reconnects to.
 */
import { parseEventQuery, parseId } from '../core/event-filter.js';
import type { EventFilter } from '../core/event-filter.js';
import { canonicalUuid } from '../core/validate.js';
import { getApp } from '../data/apps.js';
import { getEvent, listEvents } from '../data/events.js';
import { notFound } from '../errors.js';
import type { ApiDeps, ControllerApp } from './context.js';
import { param } from './context.js';
import { streamSubscription } from './sse.js';

export function mountEventRoutes(app: ControllerApp, deps: ApiDeps): void {
  const { db } = deps;

  app.get('/events', async (c) => {
    const q = parseEventQuery((name) => c.req.query(name));
    const filter: EventFilter = {};
    // A UUID is taken as is (events of deleted apps stay readable); a name must resolve.
    if (q.app) filter.appId = canonicalUuid(q.app) ?? (await getApp(db, q.app)).id;
    if (q.objectTypes.length > 0) filter.objectTypes = q.objectTypes;
    if (q.objectId) filter.objectId = q.objectId;
    if ((c.req.header('accept') ?? '').includes('application/json')) {
      return c.json(
        await listEvents(db, filter, {
          ...(q.sinceId !== undefined ? { sinceId: q.sinceId } : {}),
          ...(q.beforeId !== undefined ? { beforeId: q.beforeId } : {}),
          ...(q.count !== undefined ? { count: q.count } : {}),
        }),
      );
    }
    const afterId = parseId(c.req.header('last-event-id'), 'Last-Event-Id') ?? q.sinceId;
    const sub = await deps.hub.subscribe(filter, {
      ...(afterId !== undefined ? { afterId } : {}),
      past: q.past,
      ...(q.count !== undefined ? { count: q.count } : {}),
    });
    return streamSubscription(deps, sub);
  });

  app.get('/events/:id', async (c) => {
    const raw = param(c, 'id');
    if (!/^\d{1,15}$/.test(raw)) throw notFound('event');
    return c.json(await getEvent(db, Number(raw)));
  });
}
