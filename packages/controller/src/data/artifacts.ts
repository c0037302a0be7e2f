/** Artifacts: immutable image references, unique by (type, uri) among live rows. */
import { randomUUID } from 'node:crypto';
import type { NewArtifactInput } from '../core/release-input.js';
import { canonicalUuid } from '../core/validate.js';
import { notFound, objectExists } from '../errors.js';
import type { Artifact } from '../types.js';
import type { Queryable, Tx } from '../db/database.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { ARTIFACT_COLUMNS, toArtifact } from './rows.js';

export async function getArtifact(q: Queryable, id: string): Promise<Artifact> {
  const artifactId = canonicalUuid(id);
  if (!artifactId) throw notFound('artifact');
  const { rows } = await q.query(`SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE artifact_id = $1 AND deleted_at IS NULL`, [artifactId]);
  if (!rows[0]) throw notFound('artifact');
  return toArtifact(rows[0]);
}

export async function listArtifacts(q: Queryable): Promise<Artifact[]> {
  const { rows } = await q.query(`SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE deleted_at IS NULL ORDER BY created_at DESC`);
  return rows.map(toArtifact);
}

/** The artifacts with these ids, in the given order (missing ones skipped). */
export async function artifactsByIds(q: Queryable, ids: readonly string[]): Promise<Artifact[]> {
  if (ids.length === 0) return [];
  const { rows } = await q.query(`SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE artifact_id = ANY($1::uuid[])`, [[...new Set(ids)]]);
  const byId = new Map(rows.map((r) => [r.artifact_id as string, toArtifact(r)]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/**
 * Inserts an artifact; when a live one with the same type and URI exists, that
 * one is returned instead (as the original did). Emits `artifact` either way.
 */
export async function insertArtifact(tx: Tx, input: NewArtifactInput): Promise<Artifact> {
  const id = input.id ?? randomUUID();
  let rows;
  try {
    ({ rows } = await tx.query(
      `INSERT INTO artifacts (artifact_id, type, uri, meta, manifest, hashes, size, layer_url_template)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (type, uri) WHERE deleted_at IS NULL DO NOTHING
       RETURNING ${ARTIFACT_COLUMNS}`,
      [
        id,
        input.type,
        input.uri,
        json(input.meta),
        json(input.manifest),
        json(input.hashes),
        input.size ?? null,
        input.layerUrlTemplate ?? null,
      ],
    ));
  } catch (err) {
    if (isUniqueViolation(err, 'artifacts_pkey')) throw objectExists(`artifact with id ${id} already exists`);
    throw err;
  }
  if (rows.length === 0) {
    ({ rows } = await tx.query(`SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE type = $1 AND uri = $2 AND deleted_at IS NULL`, [input.type, input.uri]));
  }
  const artifact = toArtifact(rows[0]!);
  tx.emit({ objectType: 'artifact', objectId: artifact.id, data: artifact });
  return artifact;
}

function json(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}
