/**
 * Providers (services that provision databases and the like) and the
 * resources they provisioned, attached to apps (reference §5.3/5.4).
 */
import { randomUUID } from 'node:crypto';
import type { NewProviderInput } from '../core/resource-input.js';
import { canonicalUuid } from '../core/validate.js';
import { notFound, objectExists } from '../errors.js';
import type { App, Provider, Resource, StringMap } from '../types.js';
import type { Queryable, Tx } from '../db/database.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { PROVIDER_COLUMNS, RESOURCE_COLUMNS, toProvider, toResource } from './rows.js';

export async function insertProvider(tx: Tx, input: NewProviderInput): Promise<Provider> {
  let rows;
  try {
    ({ rows } = await tx.query(`INSERT INTO providers AS p (provider_id, name, url) VALUES ($1, $2, $3) RETURNING ${PROVIDER_COLUMNS}`, [
      randomUUID(),
      input.name,
      input.url,
    ]));
  } catch (err) {
    if (isUniqueViolation(err, 'providers_name_key')) throw objectExists(`provider "${input.name}" already exists`);
    if (isUniqueViolation(err, 'providers_url_key')) throw objectExists(`a provider with URL ${input.url} already exists`);
    throw err;
  }
  const provider = toProvider(rows[0]!);
  tx.emit({ objectType: 'provider', objectId: provider.id, data: provider });
  return provider;
}

/** A live provider by id or name. */
export async function getProvider(q: Queryable, idOrName: string): Promise<Provider> {
  const id = canonicalUuid(idOrName);
  if (!id && (idOrName.includes('\u0000') || idOrName.length > 255)) throw notFound('provider');
  const { rows } = id
    ? await q.query(`SELECT ${PROVIDER_COLUMNS} FROM providers p WHERE p.deleted_at IS NULL AND (p.provider_id = $1 OR p.name = $2)`, [id, idOrName])
    : await q.query(`SELECT ${PROVIDER_COLUMNS} FROM providers p WHERE p.deleted_at IS NULL AND p.name = $1`, [idOrName]);
  if (!rows[0]) throw notFound('provider');
  return toProvider(rows[0]);
}

export async function listProviders(q: Queryable): Promise<Provider[]> {
  const { rows } = await q.query(`SELECT ${PROVIDER_COLUMNS} FROM providers p WHERE p.deleted_at IS NULL ORDER BY p.created_at DESC`);
  return rows.map(toProvider);
}

/** A live resource; with `providerId`, it must belong to that provider. */
export async function getResource(q: Queryable, id: string, providerId?: string): Promise<Resource> {
  const resourceId = canonicalUuid(id);
  if (!resourceId) throw notFound('resource');
  const { rows } = await q.query(`SELECT ${RESOURCE_COLUMNS} FROM resources res WHERE res.resource_id = $1 AND res.deleted_at IS NULL`, [resourceId]);
  if (!rows[0] || (providerId !== undefined && rows[0].provider_id !== providerId)) throw notFound('resource');
  return toResource(rows[0]);
}

export async function listResources(q: Queryable, filter: { providerId?: string; appId?: string } = {}): Promise<Resource[]> {
  const conditions = ['res.deleted_at IS NULL'];
  const values: unknown[] = [];
  if (filter.providerId) {
    values.push(filter.providerId);
    conditions.push(`res.provider_id = $${values.length}`);
  }
  if (filter.appId) {
    values.push(filter.appId);
    conditions.push(`EXISTS (SELECT 1 FROM app_resources ar WHERE ar.resource_id = res.resource_id AND ar.app_id = $${values.length} AND ar.deleted_at IS NULL)`);
  }
  const { rows } = await q.query(`SELECT ${RESOURCE_COLUMNS} FROM resources res WHERE ${conditions.join(' AND ')} ORDER BY res.created_at DESC`, values);
  return rows.map(toResource);
}

export interface ResourceRecord {
  id?: string;
  providerId: string;
  externalId: string;
  env: StringMap;
}

/**
 * Inserts a resource (or, for an existing id of the same provider, replaces
 * its external id and env) and attaches `apps`. Emits `resource` once per
 * attached app, or once without an app.
 */
export async function putResource(tx: Tx, record: ResourceRecord, apps: readonly App[]): Promise<Resource> {
  const id = record.id ?? randomUUID();
  try {
    const { rowCount } = await tx.query(
      `INSERT INTO resources (resource_id, provider_id, external_id, env) VALUES ($1, $2, $3, $4)
       ON CONFLICT (resource_id) DO UPDATE SET external_id = EXCLUDED.external_id, env = EXCLUDED.env
       WHERE resources.provider_id = EXCLUDED.provider_id AND resources.deleted_at IS NULL`,
      [id, record.providerId, record.externalId, JSON.stringify(record.env)],
    );
    if (rowCount === 0) throw objectExists(`resource ${id} belongs to another provider or was deleted`);
  } catch (err) {
    if (isUniqueViolation(err, 'resources_external_id_key')) throw objectExists(`resource with external id ${JSON.stringify(record.externalId)} already exists`);
    throw err;
  }
  for (const app of apps) await attach(tx, app.id, id);
  const resource = await getResource(tx, id);
  if (apps.length === 0) tx.emit({ objectType: 'resource', objectId: id, data: resource });
  for (const app of apps) tx.emit({ appId: app.id, objectType: 'resource', objectId: id, data: resource });
  return resource;
}

async function attach(tx: Tx, appId: string, resourceId: string): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO app_resources (app_id, resource_id) VALUES ($1, $2) ON CONFLICT (app_id, resource_id) WHERE deleted_at IS NULL DO NOTHING`,
    [appId, resourceId],
  );
  return (rowCount ?? 0) > 0;
}

/** Attaches an app; emits `resource` for the app. */
export async function addResourceApp(tx: Tx, resource: Resource, app: App): Promise<Resource> {
  await attach(tx, app.id, resource.id);
  const updated = await getResource(tx, resource.id);
  tx.emit({ appId: app.id, objectType: 'resource', objectId: resource.id, data: updated });
  return updated;
}

/** Detaches an app; emits `resource_app_deletion`. */
export async function removeResourceApp(tx: Tx, resource: Resource, app: App): Promise<Resource> {
  const { rowCount } = await tx.query('UPDATE app_resources SET deleted_at = now() WHERE app_id = $1 AND resource_id = $2 AND deleted_at IS NULL', [
    app.id,
    resource.id,
  ]);
  if (rowCount === 0) throw notFound('resource app');
  const updated = await getResource(tx, resource.id);
  tx.emit({ appId: app.id, objectType: 'resource_app_deletion', objectId: resource.id, data: updated });
  return updated;
}

/** Soft-deletes a resource and its attachments; emits `resource_deletion` (per app, or once). */
export async function softDeleteResource(tx: Tx, resource: Resource): Promise<Resource> {
  await tx.query('UPDATE app_resources SET deleted_at = now() WHERE resource_id = $1 AND deleted_at IS NULL', [resource.id]);
  const { rowCount } = await tx.query('UPDATE resources SET deleted_at = now() WHERE resource_id = $1 AND deleted_at IS NULL', [resource.id]);
  if (rowCount === 0) throw notFound('resource');
  if (resource.apps.length === 0) tx.emit({ objectType: 'resource_deletion', objectId: resource.id, data: resource });
  for (const appId of resource.apps) tx.emit({ appId, objectType: 'resource_deletion', objectId: resource.id, data: resource });
  return resource;
}

/** App deletion: detaches every resource; returns those no app uses any more. */
export async function detachAppResources(tx: Tx, appId: string): Promise<Resource[]> {
  const attached = await listResources(tx, { appId });
  await tx.query('UPDATE app_resources SET deleted_at = now() WHERE app_id = $1 AND deleted_at IS NULL', [appId]);
  const orphaned: Resource[] = [];
  for (const r of attached) {
    const now = await getResource(tx, r.id);
    if (now.apps.length === 0) orphaned.push(r);
  }
  return orphaned;
}
