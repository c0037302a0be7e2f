/**
 * HTTP and TCP routes with their certificates (reference §7.2/7.3). The
 * database enforces uniqueness, the root-path rule, TCP port assignment and
 * drain consistency (migration 2); this module maps its refusals to the
 * original's API errors: duplicates → 409 "Duplicate route", rule violations
 * → 400 "Invalid route ...", a `/` route with sub-paths → 400 "Route has
 * dependent routes".
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CertificateInput, HttpRouteInput, RouteInput, TcpRouteInput } from '../core/route-input.js';
import { canonicalUuid } from '../core/validate.js';
import { conflict, notFound, validationError } from '../errors.js';
import type { Route } from '../types.js';
import { ROUTE_PARENT_REF_PREFIX } from '../types.js';
import type { Queryable, Tx } from '../db/database.js';
import { isUniqueViolation, pgCode, pgMessage, PG_DRAIN_MISMATCH, PG_NO_TCP_PORT, PG_ROUTE_DEPENDENTS, PG_ROUTE_INVALID } from '../db/pg-errors.js';
import { HTTP_ROUTE_COLUMNS, HTTP_ROUTE_FROM, TCP_ROUTE_COLUMNS, toHttpRoute, toTcpRoute } from './rows.js';

export function routeParentRef(appId: string): string {
  return ROUTE_PARENT_REF_PREFIX + appId;
}

/** The app id of a route owned by an app, else undefined. */
export function routeAppId(route: Pick<Route, 'parent_ref'>): string | undefined {
  return route.parent_ref?.startsWith(ROUTE_PARENT_REF_PREFIX) ? route.parent_ref.slice(ROUTE_PARENT_REF_PREFIX.length) : undefined;
}

export async function getRoute(q: Queryable, type: string, id: string): Promise<Route> {
  const routeId = canonicalUuid(id);
  if (!routeId || (type !== 'http' && type !== 'tcp')) throw notFound('route');
  const { rows } =
    type === 'http'
      ? await q.query(`SELECT ${HTTP_ROUTE_COLUMNS} FROM ${HTTP_ROUTE_FROM} WHERE h.id = $1 AND h.deleted_at IS NULL`, [routeId])
      : await q.query(`SELECT ${TCP_ROUTE_COLUMNS} FROM tcp_routes t WHERE t.id = $1 AND t.deleted_at IS NULL`, [routeId]);
  if (!rows[0]) throw notFound('route');
  return type === 'http' ? toHttpRoute(rows[0]) : toTcpRoute(rows[0]);
}

/** Live routes, newest first (HTTP then TCP within the same instant); all of them, or one owner's. */
export async function listRoutes(q: Queryable, parentRef?: string): Promise<Route[]> {
  const where = parentRef === undefined ? '' : ' AND h.parent_ref = $1';
  const whereTcp = parentRef === undefined ? '' : ' AND t.parent_ref = $1';
  const values = parentRef === undefined ? [] : [parentRef];
  const http = await q.query(`SELECT ${HTTP_ROUTE_COLUMNS} FROM ${HTTP_ROUTE_FROM} WHERE h.deleted_at IS NULL${where}`, values);
  const tcp = await q.query(`SELECT ${TCP_ROUTE_COLUMNS} FROM tcp_routes t WHERE t.deleted_at IS NULL${whereTcp}`, values);
  const routes: Route[] = [...http.rows.map(toHttpRoute), ...tcp.rows.map(toTcpRoute)];
  return routes.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
}

/** Inserts a route owned by `appId`; emits `route`. */
export async function insertRoute(tx: Tx, appId: string, input: RouteInput): Promise<Route> {
  const id = randomUUID();
  const drain = input.drainBackends ?? (await serviceDrain(tx, input.type, input.service));
  try {
    if (input.type === 'http') await insertHttp(tx, id, appId, input, drain);
    else await insertTcp(tx, id, appId, input, drain);
  } catch (err) {
    throw routeError(err, input);
  }
  const route = await getRoute(tx, input.type, id);
  tx.emit({ appId, objectType: 'route', objectId: route.id, data: route });
  return route;
}

async function insertHttp(tx: Tx, id: string, appId: string, r: HttpRouteInput, drain: boolean): Promise<void> {
  await tx.query(
    `INSERT INTO http_routes (id, parent_ref, service, domain, port, path, leader, sticky, drain_backends, disable_keep_alives)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [id, routeParentRef(appId), r.service, r.domain, r.port, r.path, r.leader, r.sticky, drain, r.disableKeepAlives],
  );
  if (r.certificate) await attachCertificate(tx, id, r.certificate);
}

async function insertTcp(tx: Tx, id: string, appId: string, r: TcpRouteInput, drain: boolean): Promise<void> {
  await tx.query('INSERT INTO tcp_routes (id, parent_ref, service, port, leader, drain_backends) VALUES ($1, $2, $3, $4, $5, $6)', [
    id,
    routeParentRef(appId),
    r.service,
    r.port,
    r.leader,
    drain,
  ]);
}

/** Default drain_backends: what the service's live routes use, else true. */
async function serviceDrain(q: Queryable, type: 'http' | 'tcp', service: string): Promise<boolean> {
  const table = type === 'http' ? 'http_routes' : 'tcp_routes';
  const { rows } = await q.query<{ drain_backends: boolean }>(`SELECT drain_backends FROM ${table} WHERE service = $1 AND deleted_at IS NULL LIMIT 1`, [service]);
  return rows[0]?.drain_backends ?? true;
}

/** Stores the certificate once per distinct PEM and links it to the route (replacing any previous one). */
async function attachCertificate(tx: Tx, routeId: string, cert: CertificateInput): Promise<void> {
  const sha = createHash('sha256').update(cert.cert).digest();
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO certificates (id, cert, key, cert_sha256) VALUES ($1, $2, $3, $4)
     ON CONFLICT (cert_sha256) WHERE deleted_at IS NULL DO UPDATE SET key = EXCLUDED.key, updated_at = now()
     RETURNING id`,
    [randomUUID(), cert.cert, cert.key, sha],
  );
  await tx.query(
    `INSERT INTO route_certificates (http_route_id, certificate_id) VALUES ($1, $2)
     ON CONFLICT (http_route_id) DO UPDATE SET certificate_id = EXCLUDED.certificate_id`,
    [routeId, rows[0]!.id],
  );
}

/**
 * `PUT /apps/:id/routes/:type/:id`: service, port, path, leader, sticky,
 * keep-alives and certificate may change; the domain may not (as the original).
 */
export async function updateRoute(tx: Tx, existing: Route, input: RouteInput): Promise<Route> {
  const appId = routeAppId(existing);
  try {
    if (existing.type === 'http' && input.type === 'http') {
      if (input.domain !== existing.domain) throw validationError('domain', 'cannot be changed');
      await tx.query(
        `UPDATE http_routes SET service = $2, port = $3, path = $4, leader = $5, sticky = $6, disable_keep_alives = $7,
           drain_backends = COALESCE($8, drain_backends)
         WHERE id = $1 AND deleted_at IS NULL`,
        [existing.id, input.service, input.port, input.path, input.leader, input.sticky, input.disableKeepAlives, input.drainBackends ?? null],
      );
      if (input.certificate) await attachCertificate(tx, existing.id, input.certificate);
    } else if (existing.type === 'tcp' && input.type === 'tcp') {
      await tx.query(
        `UPDATE tcp_routes SET service = $2, port = CASE WHEN $3 = 0 THEN port ELSE $3 END, leader = $4,
           drain_backends = COALESCE($5, drain_backends)
         WHERE id = $1 AND deleted_at IS NULL`,
        [existing.id, input.service, input.port, input.leader, input.drainBackends ?? null],
      );
    } else {
      throw validationError('type', 'cannot be changed');
    }
  } catch (err) {
    throw routeError(err, input);
  }
  const route = await getRoute(tx, existing.type, existing.id);
  tx.emit({ appId, objectType: 'route', objectId: route.id, data: route });
  return route;
}

/** Soft-deletes a route; emits `route_deletion` with the route as data. */
export async function deleteRouteIn(tx: Tx, route: Route): Promise<Route> {
  const table = route.type === 'http' ? 'http_routes' : 'tcp_routes';
  try {
    await tx.query(`UPDATE ${table} SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL`, [route.id]);
  } catch (err) {
    if (pgCode(err) === PG_ROUTE_DEPENDENTS) throw validationError('', 'Route has dependent routes');
    throw err;
  }
  tx.emit({ appId: routeAppId(route), objectType: 'route_deletion', objectId: route.id, data: route });
  return route;
}

function routeError(err: unknown, input: RouteInput): unknown {
  if (isUniqueViolation(err)) return conflict('Duplicate route', routeDetail(input));
  switch (pgCode(err)) {
    case PG_ROUTE_INVALID:
    case PG_DRAIN_MISMATCH:
      return validationError('', `Invalid route: ${pgMessage(err)}`);
    case PG_ROUTE_DEPENDENTS:
      return validationError('', 'Route has dependent routes');
    case PG_NO_TCP_PORT:
      return conflict('No free TCP port in 3000-3500', routeDetail(input));
    default:
      return err;
  }
}

/** The rejected route as the error detail (certificate key left out). */
function routeDetail(input: RouteInput): Record<string, unknown> {
  const base: Record<string, unknown> = { type: input.type, service: input.service, port: input.port, leader: input.leader };
  if (input.type === 'http') Object.assign(base, { domain: input.domain, path: input.path, sticky: input.sticky });
  return base;
}
