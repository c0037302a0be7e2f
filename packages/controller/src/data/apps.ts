/**
 * Apps: lookup by id or name, creation (generated names, the default route),
 * updates, the current release, and deletion with everything hanging off an
 * app. All writers take a transaction and emit their events on it.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@flynn-ts/core';
import { noopLogger } from '@flynn-ts/core';
import { APP_NAME_MAX_LENGTH, APP_NAME_PATTERN, generatedAppName } from '../core/app-name.js';
import type { AppUpdateInput, NewAppInput } from '../core/app-input.js';
import { isSystemApp } from '../core/app-input.js';
import { canonicalUuid } from '../core/validate.js';
import { ifNotFound, isControllerNotFound, notFound, objectExists, validationError } from '../errors.js';
import type { App, AppDeletion, Release, Resource, Route } from '../types.js';
import { ROUTE_PARENT_REF_PREFIX } from '../types.js';
import type { Queryable, Tx } from '../db/database.js';
import { isUniqueViolation, pgCode, PG_MISSING_RELEASE } from '../db/pg-errors.js';
import { cancelUnfinishedDeployments } from './deployments.js';
import { scaleDownAndDeleteFormations } from './formations.js';
import { getRelease, softDeleteRelease } from './releases.js';
import { detachAppResources } from './resources.js';
import { deleteRouteIn, insertRoute, listRoutes } from './routes.js';
import { APP_COLUMNS, toApp } from './rows.js';

export interface AppCreateContext {
  /** Non-system apps get `<name>.<domain>` → `<name>-web` when set. */
  defaultRouteDomain?: string | undefined;
  /** Shifts generated names (the daemon's NAME_SEED). */
  nameSeed?: number;
  logger?: Logger;
}

const MAX_NAME_ATTEMPTS = 20;

/** The live app with this id or name, or undefined. */
export async function findApp(q: Queryable, idOrName: string, options: { forUpdate?: boolean } = {}): Promise<App | undefined> {
  const lock = options.forUpdate ? ' FOR UPDATE' : '';
  const id = canonicalUuid(idOrName);
  if (id) {
    const { rows } = await q.query(`SELECT ${APP_COLUMNS} FROM apps a WHERE a.deleted_at IS NULL AND (a.app_id = $1 OR a.name = $2)${lock}`, [id, idOrName]);
    return rows[0] ? toApp(rows[0]) : undefined;
  }
  if (idOrName.length > APP_NAME_MAX_LENGTH || !APP_NAME_PATTERN.test(idOrName)) return undefined;
  const { rows } = await q.query(`SELECT ${APP_COLUMNS} FROM apps a WHERE a.deleted_at IS NULL AND a.name = $1${lock}`, [idOrName]);
  return rows[0] ? toApp(rows[0]) : undefined;
}

/** Like {@link findApp}, throwing a 404 `app not found`. */
export async function getApp(q: Queryable, idOrName: string, options: { forUpdate?: boolean } = {}): Promise<App> {
  const app = await findApp(q, idOrName, options);
  if (!app) throw notFound('app');
  return app;
}

export async function listApps(q: Queryable): Promise<App[]> {
  const { rows } = await q.query(`SELECT ${APP_COLUMNS} FROM apps a WHERE a.deleted_at IS NULL ORDER BY a.created_at DESC`);
  return rows.map(toApp);
}

/** Inserts an app (generating a name when none is given) and its default route. */
export async function insertApp(tx: Tx, input: NewAppInput, ctx: AppCreateContext = {}): Promise<App> {
  const logger = ctx.logger ?? noopLogger;
  const id = input.id ?? randomUUID();
  let app: App | undefined;
  if (input.name !== undefined) {
    app = await insertAppRow(tx, id, input.name, input);
  } else {
    for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS && !app; attempt++) {
      const { rows } = await tx.query<{ n: number }>(`SELECT nextval('app_name_ids') AS n`);
      const name = generatedAppName(Number(rows[0]!.n), ctx.nameSeed ?? 0);
      await tx.query('SAVEPOINT app_name');
      try {
        app = await insertAppRow(tx, id, name, input, false);
        await tx.query('RELEASE SAVEPOINT app_name');
      } catch (err) {
        // Taken by a named app, or by a concurrent request: try the next name.
        if (!isUniqueViolation(err, 'apps_name_key')) throw appInsertError(err, id, name);
        await tx.query('ROLLBACK TO SAVEPOINT app_name');
      }
    }
    if (!app) throw objectExists('could not generate a free app name');
  }
  if (ctx.defaultRouteDomain && !isSystemApp(app.meta)) await addDefaultRoute(tx, app, ctx.defaultRouteDomain, logger);
  tx.emit({ appId: app.id, objectType: 'app', objectId: app.id, data: app, op: 'op_create' });
  return app;
}

async function insertAppRow(tx: Tx, id: string, name: string, input: NewAppInput, mapErrors = true): Promise<App> {
  try {
    const { rows } = await tx.query(
      `INSERT INTO apps AS a (app_id, name, meta, strategy, deploy_timeout) VALUES ($1, $2, $3, $4, $5) RETURNING ${APP_COLUMNS}`,
      [id, name, JSON.stringify(input.meta), input.strategy, input.deployTimeout],
    );
    return toApp(rows[0]!);
  } catch (err) {
    throw mapErrors ? appInsertError(err, id, name) : err;
  }
}

function appInsertError(err: unknown, id: string, name: string): unknown {
  if (isUniqueViolation(err, 'apps_name_key')) return objectExists(`application "${name}" already exists`);
  if (isUniqueViolation(err, 'apps_pkey')) return objectExists(`application with id ${id} already exists`);
  return err;
}

/** `<name>.<domain>` → `<name>-web`; a conflicting route is logged and skipped, as the original did. */
async function addDefaultRoute(tx: Tx, app: App, domain: string, logger: Logger): Promise<void> {
  await tx.query('SAVEPOINT default_route');
  try {
    await insertRoute(tx, app.id, {
      type: 'http',
      service: `${app.name}-web`,
      domain: `${app.name}.${domain}`.toLowerCase(),
      port: 0,
      path: '/',
      leader: false,
      sticky: false,
      drainBackends: true,
      disableKeepAlives: false,
    });
    await tx.query('RELEASE SAVEPOINT default_route');
  } catch (err) {
    await tx.query('ROLLBACK TO SAVEPOINT default_route');
    logger.warn({ event: 'default_route_failed', app: app.name, err }, 'could not create the default route');
  }
}

/** Meta (replaced), strategy, deploy timeout. `app` must be locked by the caller's transaction. */
export async function updateApp(tx: Tx, app: App, update: AppUpdateInput): Promise<App> {
  const { rows } = await tx.query(
    `UPDATE apps AS a SET meta = COALESCE($2::jsonb, a.meta), strategy = COALESCE($3, a.strategy),
       deploy_timeout = COALESCE($4, a.deploy_timeout), updated_at = now()
     WHERE a.app_id = $1 RETURNING ${APP_COLUMNS}`,
    [app.id, update.meta === undefined ? null : JSON.stringify(update.meta), update.strategy ?? null, update.deployTimeout ?? null],
  );
  const updated = toApp(rows[0]!);
  tx.emit({ appId: updated.id, objectType: 'app', objectId: updated.id, data: updated, op: 'op_update' });
  return updated;
}

/** Makes `releaseId` the app's current release and emits `app_release`. */
export async function setAppRelease(tx: Tx, app: App, releaseId: string): Promise<{ app: App; release: Release }> {
  const release = await getRelease(tx, releaseId).catch((err: unknown) => {
    throw isControllerNotFound(err) ? validationError('', `could not find release with ID ${releaseId}`) : err;
  });
  const prev = app.release ? await getRelease(tx, app.release, { includeDeleted: true }).catch(ifNotFound(undefined)) : undefined;
  let rows;
  try {
    ({ rows } = await tx.query(`UPDATE apps AS a SET release_id = $2, updated_at = now() WHERE a.app_id = $1 RETURNING ${APP_COLUMNS}`, [app.id, release.id]));
  } catch (err) {
    if (pgCode(err) === PG_MISSING_RELEASE) throw validationError('', `could not find release with ID ${releaseId}`);
    throw err;
  }
  const updated = toApp(rows[0]!);
  tx.emit({ appId: app.id, objectType: 'app_release', objectId: release.id, data: prev ? { prev_release: prev, release } : { release } });
  return { app: updated, release };
}

export interface AppDeletionResult {
  deletion: AppDeletion;
  /** Resources no other app uses: the caller deprovisions them after the commit. */
  orphanedResources: Resource[];
}

/**
 * Deletes an app in one transaction: its routes, formations (scaled to zero,
 * so schedulers stop the jobs), releases, resource attachments and
 * unfinished deployments, then the app itself; emits an event for each and
 * `app_deletion` last.
 */
export async function deleteApp(tx: Tx, app: App): Promise<AppDeletionResult> {
  const deletedRoutes: Route[] = [];
  const routes = await listRoutes(tx, ROUTE_PARENT_REF_PREFIX + app.id);
  // sub-path routes before the root routes they depend on
  routes.sort((a, b) => (a.type === 'http' ? a.path.length : 0) - (b.type === 'http' ? b.path.length : 0)).reverse();
  for (const route of routes) deletedRoutes.push(await deleteRouteIn(tx, route));
  await scaleDownAndDeleteFormations(tx, app.id);
  await cancelUnfinishedDeployments(tx, app.id, 'app deleted');
  await tx.query('UPDATE apps SET release_id = NULL, updated_at = now() WHERE app_id = $1', [app.id]);
  const deletedReleases: Release[] = [];
  const { rows } = await tx.query<{ release_id: string }>('SELECT release_id FROM releases WHERE app_id = $1 AND deleted_at IS NULL ORDER BY created_at', [app.id]);
  for (const { release_id } of rows) deletedReleases.push(await softDeleteRelease(tx, app.id, release_id));
  const orphanedResources = await detachAppResources(tx, app.id);
  await tx.query('UPDATE apps SET deleted_at = now(), updated_at = now() WHERE app_id = $1', [app.id]);
  const deletion: AppDeletion = { app: app.id, deleted_routes: deletedRoutes, deleted_resources: orphanedResources, deleted_releases: deletedReleases };
  tx.emit({ appId: app.id, objectType: 'app_deletion', objectId: app.id, data: { app_deletion: deletion, error: '' } });
  return { deletion, orphanedResources };
}
