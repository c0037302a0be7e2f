/** Releases (immutable) and their ordered artifacts. */
import { randomUUID } from 'node:crypto';
import type { NewReleaseInput } from '../core/release-input.js';
import { canonicalUuid } from '../core/validate.js';
import { notFound, objectExists, validationError } from '../errors.js';
import type { Release } from '../types.js';
import type { Queryable, Tx } from '../db/database.js';
import { isUniqueViolation, pgCode, PG_CURRENT_RELEASE } from '../db/pg-errors.js';
import { RELEASE_COLUMNS, toRelease } from './rows.js';

export async function getRelease(q: Queryable, id: string, options: { includeDeleted?: boolean } = {}): Promise<Release> {
  const releaseId = canonicalUuid(id);
  if (!releaseId) throw notFound('release');
  const live = options.includeDeleted ? '' : ' AND r.deleted_at IS NULL';
  const { rows } = await q.query(`SELECT ${RELEASE_COLUMNS} FROM releases r WHERE r.release_id = $1${live}`, [releaseId]);
  if (!rows[0]) throw notFound('release');
  return toRelease(rows[0]);
}

export async function listReleases(q: Queryable): Promise<Release[]> {
  const { rows } = await q.query(`SELECT ${RELEASE_COLUMNS} FROM releases r WHERE r.deleted_at IS NULL ORDER BY r.created_at DESC`);
  return rows.map(toRelease);
}

export async function listAppReleases(q: Queryable, appId: string): Promise<Release[]> {
  const { rows } = await q.query(`SELECT ${RELEASE_COLUMNS} FROM releases r WHERE r.app_id = $1 AND r.deleted_at IS NULL ORDER BY r.created_at DESC`, [appId]);
  return rows.map(toRelease);
}

/** Inserts a release for a live app; every artifact must exist. Emits `release`. */
export async function insertRelease(tx: Tx, input: NewReleaseInput): Promise<Release> {
  const app = await tx.query('SELECT 1 FROM apps WHERE app_id = $1 AND deleted_at IS NULL FOR SHARE', [input.appId]);
  if (app.rowCount === 0) throw validationError('app_id', `could not find app with ID ${input.appId}`);
  if (input.artifacts.length > 0) {
    const found = await tx.query<{ artifact_id: string }>('SELECT artifact_id FROM artifacts WHERE artifact_id = ANY($1::uuid[]) AND deleted_at IS NULL', [input.artifacts]);
    const have = new Set(found.rows.map((r) => r.artifact_id));
    const missing = input.artifacts.find((a) => !have.has(a));
    if (missing) throw validationError('artifacts', `could not find artifact with ID ${missing}`);
  }
  const id = input.id ?? randomUUID();
  try {
    await tx.query('INSERT INTO releases (release_id, app_id, env, meta, processes) VALUES ($1, $2, $3, $4, $5)', [
      id,
      input.appId,
      JSON.stringify(input.env),
      JSON.stringify(input.meta),
      JSON.stringify(input.processes),
    ]);
  } catch (err) {
    if (isUniqueViolation(err, 'releases_pkey')) throw objectExists(`release with id ${id} already exists`);
    throw err;
  }
  if (input.artifacts.length > 0) {
    await tx.query(
      'INSERT INTO release_artifacts (release_id, artifact_id, index) SELECT $1, a, i - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS t(a, i)',
      [id, input.artifacts],
    );
  }
  const release = await getRelease(tx, id);
  tx.emit({ appId: release.app_id, objectType: 'release', objectId: release.id, data: release });
  return release;
}

/**
 * Soft-deletes a release with its formation for `appId` and its artifact
 * links; emits `release_deletion`. The database refuses (FLA01) when an app
 * still has it as its current release.
 */
export async function softDeleteRelease(tx: Tx, appId: string, releaseId: string): Promise<Release> {
  const release = await getRelease(tx, releaseId);
  await tx.query('UPDATE formations SET deleted_at = now(), processes = NULL, updated_at = now() WHERE app_id = $1 AND release_id = $2 AND deleted_at IS NULL', [
    appId,
    release.id,
  ]);
  try {
    await tx.query('UPDATE releases SET deleted_at = now() WHERE release_id = $1', [release.id]);
  } catch (err) {
    if (pgCode(err) === PG_CURRENT_RELEASE) throw validationError('', 'cannot delete current app release');
    throw err;
  }
  await tx.query('UPDATE release_artifacts SET deleted_at = now() WHERE release_id = $1 AND deleted_at IS NULL', [release.id]);
  tx.emit({
    appId,
    objectType: 'release_deletion',
    objectId: release.id,
    data: { release_deletion: { app: appId, release: release.id, remaining_apps: [], deleted_files: [] }, error: '' },
  });
  return release;
}

/** `DELETE /apps/:id/releases/:release`: the release must belong to the app. */
export async function deleteAppRelease(tx: Tx, appId: string, releaseId: string): Promise<Release> {
  const release = await getRelease(tx, releaseId);
  if (release.app_id !== appId) throw notFound('release');
  return softDeleteRelease(tx, appId, release.id);
}
