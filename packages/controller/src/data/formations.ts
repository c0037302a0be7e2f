/**
 * Formations and scale requests (reference §5.3/5.4). Every change of a
 * formation goes through a scale request: the request is recorded
 * (`pending`, until a scheduler marks it `complete`), earlier pending requests
 * for the same formation are cancelled, and the formation is updated in the
 * same transaction; `scale_request` events are what schedulers follow.
 */
import { randomUUID } from 'node:crypto';
import { planScale } from '../core/formation-input.js';
import { pgTimestampToRfc3339 } from '../core/timestamp.js';
import { notFound, validationError } from '../errors.js';
import type { App, ExpandedFormation, Formation, ProcessCounts, ProcessTags, Release, ScaleRequest, ScaleRequestState } from '../types.js';
import type { Queryable, Tx } from '../db/database.js';
import { artifactsByIds } from './artifacts.js';
import { FORMATION_COLUMNS, SCALE_COLUMNS, toApp, toFormation, toRelease, toScaleRequest } from './rows.js';

export async function getFormation(q: Queryable, appId: string, releaseId: string): Promise<Formation> {
  const { rows } = await q.query(`SELECT ${FORMATION_COLUMNS} FROM formations f WHERE f.app_id = $1 AND f.release_id = $2 AND f.deleted_at IS NULL`, [appId, releaseId]);
  if (!rows[0]) throw notFound('formation');
  return toFormation(rows[0]);
}

export async function listFormations(q: Queryable, appId: string): Promise<Formation[]> {
  const { rows } = await q.query(`SELECT ${FORMATION_COLUMNS} FROM formations f WHERE f.app_id = $1 AND f.deleted_at IS NULL ORDER BY f.created_at DESC`, [appId]);
  return rows.map(toFormation);
}

const EXPANDED_SELECT = `SELECT
  a.app_id AS a_app_id, a.name AS a_name, a.meta AS a_meta, a.strategy AS a_strategy, a.release_id AS a_release_id,
  a.deploy_timeout AS a_deploy_timeout, a.created_at AS a_created_at, a.updated_at AS a_updated_at,
  r.release_id AS r_release_id, r.app_id AS r_app_id, r.env AS r_env, r.meta AS r_meta, r.processes AS r_processes,
  r.created_at AS r_created_at,
  ARRAY(SELECT ra.artifact_id::text FROM release_artifacts ra
        WHERE ra.release_id = r.release_id AND ra.deleted_at IS NULL ORDER BY ra.index) AS r_artifact_ids,
  f.processes AS f_processes, f.tags AS f_tags, f.updated_at AS f_updated_at, f.deleted_at IS NOT NULL AS f_deleted,
  (SELECT row_to_json(s) FROM (SELECT ${SCALE_COLUMNS} FROM scale_requests s
     WHERE s.app_id = f.app_id AND s.release_id = f.release_id AND s.state = 'pending'
     ORDER BY s.created_at DESC LIMIT 1) s) AS pending
FROM formations f
JOIN apps a ON a.app_id = f.app_id
JOIN releases r ON r.release_id = f.release_id`;

async function expand(q: Queryable, rows: Record<string, any>[]): Promise<ExpandedFormation[]> {
  const out = rows.map((r) => {
    const release = toRelease(prefixed(r, 'r_'));
    const ef: ExpandedFormation = {
      app: toApp(prefixed(r, 'a_')),
      release,
      artifacts: [],
      processes: r.f_processes ?? {},
      tags: r.f_tags ?? {},
      updated_at: r.f_updated_at,
    };
    if (r.f_deleted) ef.deleted = true;
    if (r.pending) ef.pending_scale_request = toScaleRequest(pendingRow(r.pending));
    return ef;
  });
  const artifacts = await artifactsByIds(q, out.flatMap((f) => f.release.artifacts));
  const byId = new Map(artifacts.map((a) => [a.id, a]));
  for (const f of out) f.artifacts = f.release.artifacts.flatMap((id) => byId.get(id) ?? []);
  return out;
}

/** `row_to_json` gives timestamps in PostgreSQL's JSON format; normalise them like the columns. */
function pendingRow(p: Record<string, any>): Record<string, any> {
  const fix = (t: unknown) => (typeof t === 'string' ? pgTimestampToRfc3339(t) : t);
  return { ...p, created_at: fix(p.created_at), updated_at: fix(p.updated_at) };
}

/** The columns starting with `prefix`, without it. */
function prefixed(r: Record<string, any>, prefix: string): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(r)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

export async function getExpandedFormation(q: Queryable, appId: string, releaseId: string, options: { includeDeleted?: boolean } = {}): Promise<ExpandedFormation> {
  const live = options.includeDeleted ? '' : ' AND f.deleted_at IS NULL';
  const { rows } = await q.query(`${EXPANDED_SELECT} WHERE f.app_id = $1 AND f.release_id = $2${live}`, [appId, releaseId]);
  if (!rows[0]) throw notFound('formation');
  return (await expand(q, rows))[0]!;
}

/** Live formations with at least one process (`GET /formations?active=true`). */
export async function listActiveFormations(q: Queryable): Promise<ExpandedFormation[]> {
  const { rows } = await q.query(
    `${EXPANDED_SELECT}
     WHERE f.deleted_at IS NULL AND f.processes IS NOT NULL AND jsonb_typeof(f.processes) = 'object'
       AND (SELECT COALESCE(sum(value::int), 0) FROM jsonb_each_text(f.processes)) > 0
     ORDER BY f.updated_at DESC`,
  );
  return expand(q, rows);
}

/** Live formations updated at or after `since` (RFC 3339), oldest first. */
export async function listFormationsSince(q: Queryable, since: string): Promise<ExpandedFormation[]> {
  const { rows } = await q.query(`${EXPANDED_SELECT} WHERE f.updated_at >= $1 AND f.deleted_at IS NULL ORDER BY f.updated_at`, [since]);
  return expand(q, rows);
}

export interface ScaleInput {
  newProcesses?: ProcessCounts;
  newTags?: ProcessTags;
}

/**
 * Records a pending scale request for (app, release), cancels earlier pending
 * ones and applies it to the formation (or deletes the formation). Emits
 * `scale_request`, one `scale_request_cancelation` per cancelled request and
 * the legacy `scale` event.
 */
export async function addScaleRequest(tx: Tx, app: App, release: Release, input: ScaleInput, options: { deleteFormation?: boolean } = {}): Promise<ScaleRequest> {
  if (!input.newProcesses && !input.newTags) throw validationError('', 'scale request must have either processes or tags set');
  const unknown = Object.keys(input.newProcesses ?? {}).filter((t) => !(t in release.processes));
  if (unknown.length > 0) throw validationError('', `requested scale includes process types that do not exist in the release: ${unknown.join(', ')}`);
  const current = await tx.query(`SELECT ${FORMATION_COLUMNS} FROM formations f WHERE f.app_id = $1 AND f.release_id = $2 AND f.deleted_at IS NULL FOR UPDATE`, [
    app.id,
    release.id,
  ]);
  const formation = current.rows[0] ? toFormation(current.rows[0]) : undefined;
  const cancelled = await tx.query(
    `UPDATE scale_requests s SET state = 'cancelled', updated_at = now()
     WHERE s.app_id = $1 AND s.release_id = $2 AND s.state = 'pending' RETURNING ${SCALE_COLUMNS}`,
    [app.id, release.id],
  );
  const plan = planScale(formation, input);
  const { rows } = await tx.query(
    `INSERT INTO scale_requests AS s (scale_request_id, app_id, release_id, state, old_processes, new_processes, old_tags, new_tags)
     VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7) RETURNING ${SCALE_COLUMNS}`,
    [randomUUID(), app.id, release.id, JSON.stringify(plan.oldProcesses), JSON.stringify(plan.newProcesses), JSON.stringify(plan.oldTags), JSON.stringify(plan.newTags)],
  );
  const request = toScaleRequest(rows[0]!);
  if (options.deleteFormation) {
    await tx.query('UPDATE formations SET deleted_at = now(), processes = NULL, updated_at = now() WHERE app_id = $1 AND release_id = $2 AND deleted_at IS NULL', [
      app.id,
      release.id,
    ]);
  } else {
    await tx.query(
      `INSERT INTO formations (app_id, release_id, processes, tags) VALUES ($1, $2, $3, $4)
       ON CONFLICT (app_id, release_id) DO UPDATE SET processes = $3, tags = $4, updated_at = now(), deleted_at = NULL`,
      [app.id, release.id, JSON.stringify(plan.processes), JSON.stringify(plan.tags)],
    );
  }
  tx.emit({ appId: app.id, objectType: 'scale_request', objectId: request.id, data: request, op: 'op_create' });
  for (const row of cancelled.rows) {
    const c = toScaleRequest(row);
    tx.emit({ appId: app.id, objectType: 'scale_request_cancelation', objectId: c.id, data: c, op: 'op_update' });
  }
  if (input.newProcesses) {
    tx.emit({
      appId: app.id,
      objectType: 'scale',
      objectId: `${app.id}:${release.id}`,
      data: { prev_processes: plan.oldProcesses, processes: plan.newProcesses, release: release.id },
    });
  }
  return request;
}

/** Sets a scale request's state (a scheduler completing it, or a client cancelling it). */
export async function updateScaleRequest(tx: Tx, appId: string, releaseId: string, id: string, state: ScaleRequestState): Promise<ScaleRequest> {
  const { rows } = await tx.query(
    `UPDATE scale_requests s SET state = $4, updated_at = now()
     WHERE s.scale_request_id = $1 AND s.app_id = $2 AND s.release_id = $3 RETURNING ${SCALE_COLUMNS}`,
    [id, appId, releaseId, state],
  );
  if (!rows[0]) throw notFound('scale request');
  const request = toScaleRequest(rows[0]);
  tx.emit({ appId, objectType: 'scale_request', objectId: id, data: request, op: 'op_update' });
  return request;
}

/** For app deletion: every live formation with processes is scaled to zero, then all are deleted. */
export async function scaleDownAndDeleteFormations(tx: Tx, appId: string): Promise<void> {
  const { rows } = await tx.query(`SELECT ${FORMATION_COLUMNS} FROM formations f WHERE f.app_id = $1 AND f.deleted_at IS NULL FOR UPDATE`, [appId]);
  for (const f of rows.map(toFormation)) {
    const zero = Object.fromEntries(Object.keys(f.processes).map((t) => [t, 0]));
    const { rows: req } = await tx.query(
      `INSERT INTO scale_requests AS s (scale_request_id, app_id, release_id, state, old_processes, new_processes, old_tags, new_tags)
       VALUES ($1, $2, $3, 'pending', $4, $5, $6, $6) RETURNING ${SCALE_COLUMNS}`,
      [randomUUID(), appId, f.release, JSON.stringify(f.processes), JSON.stringify(zero), JSON.stringify(f.tags)],
    );
    const request = toScaleRequest(req[0]!);
    tx.emit({ appId, objectType: 'scale_request', objectId: request.id, data: request, op: 'op_create' });
  }
  await tx.query('UPDATE formations SET deleted_at = now(), processes = NULL, updated_at = now() WHERE app_id = $1 AND deleted_at IS NULL', [appId]);
}
