/**
 * Formations and scale requests (reference §5.3), and `GET /formations`:
 * `?active=true` lists running formations; with `Accept: text/event-stream`
 * it streams expanded formations for schedulers: those updated since
 * `?since=` (RFC 3339, default: all), an empty `{}` marking "current", then
 * each formation again whenever a scale request changes it.
 */
import { parseFormationInput, parseScaleRequestInput } from '../core/formation-input.js';
import { getApp } from '../data/apps.js';
import { addScaleRequest, getExpandedFormation, getFormation, listActiveFormations, listFormations, listFormationsSince, updateScaleRequest } from '../data/formations.js';
import { getRelease } from '../data/releases.js';
import { ifNotFound, notFound, validationError } from '../errors.js';
import type { App, Release, ScaleRequest } from '../types.js';
import type { Queryable } from '../db/database.js';
import type { ApiContext, ApiDeps, ControllerApp } from './context.js';
import { ok, param, readJson, wantsEventStream } from './context.js';
import { streamSubscription } from './sse.js';

/** The app and one of its releases from the path (404 if either is missing or they do not belong together). */
export async function appRelease(q: Queryable, c: ApiContext): Promise<{ app: App; release: Release }> {
  const app = await getApp(q, param(c, 'app'));
  const release = await getRelease(q, param(c, 'release'));
  if (release.app_id !== app.id) throw notFound('release');
  return { app, release };
}

export function mountFormationRoutes(app: ControllerApp, deps: ApiDeps): void {
  const { db } = deps;

  app.put('/apps/:app/formations/:release', async (c) => {
    const input = parseFormationInput(await readJson(c));
    const request = await db.tx(async (tx) => {
      const { app: a, release } = await appRelease(tx, c);
      if (release.artifacts.length === 0) throw validationError('', 'release is not deployable');
      const processes = input.processes ?? zeroProcesses(release);
      return addScaleRequest(tx, a, release, { newProcesses: processes, ...(input.tags ? { newTags: input.tags } : {}) });
    });
    return c.json(asFormation(request));
  });
  app.get('/apps/:app/formations/:release', async (c) => {
    const { app: a, release } = await appRelease(db, c);
    if (c.req.query('expand') === 'true') return c.json(await getExpandedFormation(db, a.id, release.id));
    return c.json(await getFormation(db, a.id, release.id));
  });
  app.delete('/apps/:app/formations/:release', async (c) => {
    await db.tx(async (tx) => {
      const { app: a, release } = await appRelease(tx, c);
      await getFormation(tx, a.id, release.id);
      await addScaleRequest(tx, a, release, { newProcesses: zeroProcesses(release) }, { deleteFormation: true });
    });
    return ok(c);
  });
  app.get('/apps/:app/formations', async (c) => c.json(await listFormations(db, (await getApp(db, param(c, 'app'))).id)));

  app.put('/apps/:app/scale/:release', async (c) => {
    const input = parseScaleRequestInput(await readJson(c));
    const request = await db.tx(async (tx) => {
      const { app: a, release } = await appRelease(tx, c);
      if (input.state !== 'pending') return updateScaleRequest(tx, a.id, release.id, input.id!, input.state);
      return addScaleRequest(tx, a, release, {
        ...(input.newProcesses ? { newProcesses: input.newProcesses } : {}),
        ...(input.newTags ? { newTags: input.newTags } : {}),
      });
    });
    return c.json(request);
  });

  app.get('/formations', async (c) => {
    if (wantsEventStream(c)) return streamFormations(deps, c);
    if (c.req.query('active') === 'true') return c.json(await listActiveFormations(db));
    throw validationError('', 'must either request a stream or only active formations');
  });
}

async function streamFormations(deps: ApiDeps, c: ApiContext): Promise<Response> {
  const sinceParam = c.req.query('since');
  const sinceMs = sinceParam ? Date.parse(sinceParam) : 0;
  if (Number.isNaN(sinceMs) || sinceMs < 0 || sinceMs > 253402300799999) throw validationError('since', 'must be an RFC 3339 date-time');
  // Subscribe first: a scale request committed while the list is read is streamed after it.
  const sub = await deps.hub.subscribe({ objectTypes: ['scale_request'] });
  let initial;
  try {
    initial = await listFormationsSince(deps.db, new Date(sinceMs).toISOString());
  } catch (err) {
    sub.close();
    throw err;
  }
  let current = initial.reduce((max, f) => (f.updated_at > max ? f.updated_at : max), '');
  return streamSubscription(deps, sub, {
    prelude: [...initial.map((f) => ({ data: f })), { data: {} }],
    map: async (e) => {
      const req = e.data as ScaleRequest;
      const f = await getExpandedFormation(deps.db, req.app, req.release, { includeDeleted: true }).catch(ifNotFound(undefined));
      if (!f || f.updated_at < current) return undefined;
      current = f.updated_at;
      return { data: f };
    },
  });
}

function zeroProcesses(release: Release): Record<string, number> {
  return Object.fromEntries(Object.keys(release.processes).map((t) => [t, 0]));
}

/** The original answers a formation PUT with the scale request shaped as a formation. */
function asFormation(r: ScaleRequest): Record<string, unknown> {
  return { app: r.app, release: r.release, processes: r.new_processes ?? {}, tags: r.new_tags ?? {}, created_at: r.created_at, updated_at: r.updated_at };
}
