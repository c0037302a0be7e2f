/**
 * Deployment records (reference §5.3 `POST /apps/:id/deploy`, §6.5). Creating
 * one decides the type (code/config) and, when the current formation runs no
 * processes, sets the release at once and records the deployment as
 * complete; otherwise the record stays `pending` for the deployer, and the
 * database allows one unfinished deployment per app.
 */
import { randomUUID } from 'node:crypto';
import { deployBatchSize } from '../core/app-input.js';
import { deploymentType, totalProcesses } from '../core/formation-input.js';
import { deploymentTransition } from '../core/deployment-event-input.js';
import { canonicalUuid } from '../core/validate.js';
import { conflict, ifNotFound, isControllerNotFound, notFound, validationError } from '../errors.js';
import type { App, Deployment, DeploymentEvent, DeploymentStatus, Formation } from '../types.js';
import type { Queryable, Tx } from '../db/database.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { getFormation } from './formations.js';
import { getRelease } from './releases.js';
import { DEPLOYMENT_COLUMNS, toDeployment } from './rows.js';

export const DEPLOY_IN_PROGRESS = 'Cannot create deploy, there is already one in progress for this app.';

export async function getDeployment(q: Queryable, id: string): Promise<Deployment> {
  const deploymentId = canonicalUuid(id);
  if (!deploymentId) throw notFound('deployment');
  const { rows } = await q.query(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE d.deployment_id = $1`, [deploymentId]);
  if (!rows[0]) throw notFound('deployment');
  return toDeployment(rows[0]);
}

export async function listDeployments(q: Queryable, appId: string): Promise<Deployment[]> {
  const { rows } = await q.query(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE d.app_id = $1 ORDER BY d.created_at DESC`, [appId]);
  return rows.map(toDeployment);
}

/**
 * Creates a deployment of `releaseId` for `app`, which the caller's
 * transaction must hold `FOR UPDATE`. `setRelease` is called (with the same
 * transaction) when the release can be set at once.
 */
export async function createDeployment(
  tx: Tx,
  app: App,
  releaseId: string,
  setRelease: (tx: Tx, app: App, releaseId: string) => Promise<unknown>,
): Promise<Deployment> {
  const release = await getRelease(tx, releaseId).catch((err: unknown) => {
    throw isControllerNotFound(err) ? validationError('', `could not find release with ID ${releaseId}`) : err;
  });
  const oldRelease = app.release ? await getRelease(tx, app.release, { includeDeleted: true }) : undefined;
  let oldFormation: Formation | undefined;
  if (oldRelease) oldFormation = await getFormation(tx, app.id, oldRelease.id).catch(ifNotFound(undefined));
  const immediate = totalProcesses(oldFormation?.processes) === 0;
  const id = randomUUID();
  const status: DeploymentStatus = immediate ? 'complete' : 'pending';
  if (immediate) await setRelease(tx, app, release.id);
  let rows;
  try {
    ({ rows } = await tx.query(
      `INSERT INTO deployments AS d (deployment_id, app_id, old_release_id, new_release_id, strategy, type, status, processes, tags,
         deploy_timeout, deploy_batch_size, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, CASE WHEN $7 = 'complete' THEN now() END)
       RETURNING ${DEPLOYMENT_COLUMNS}`,
      [
        id,
        app.id,
        oldRelease?.id ?? null,
        release.id,
        app.strategy,
        deploymentType(oldRelease?.artifacts, release.artifacts),
        status,
        oldFormation ? JSON.stringify(oldFormation.processes) : null,
        oldFormation ? JSON.stringify(oldFormation.tags) : null,
        app.deploy_timeout,
        deployBatchSize(app.meta) ?? null,
      ],
    ));
  } catch (err) {
    if (isUniqueViolation(err, 'isolate_deploys')) throw validationError('', DEPLOY_IN_PROGRESS);
    throw err;
  }
  const deployment = toDeployment(rows[0]!);
  emitDeploymentEvent(tx, deployment, status);
  return deployment;
}

/** What a deployer reports with a status (the event's fields besides app, deployment and status). */
export interface DeploymentStatusExtra {
  error?: string;
  jobType?: string;
  jobState?: string;
  /** The release the event is about: the deployment's new (default) or old release. */
  release?: string;
}

/**
 * For the deployer (`POST /deployments/:id/events`): moves a deployment to
 * `running`, `complete` or `failed` and emits the `deployment` event, in the
 * caller's transaction. The status only moves forward
 * ({@link deploymentTransition}): reporting the final status a deployment
 * already has changes nothing and emits nothing (a retried request); any
 * other change of a finished deployment is a 409 `conflict`. A `release`
 * other than the deployment's old or new one is a 400.
 */
export async function setDeploymentStatus(tx: Tx, id: string, status: DeploymentStatus, extra: DeploymentStatusExtra = {}): Promise<Deployment> {
  const deploymentId = canonicalUuid(id);
  if (!deploymentId) throw notFound('deployment');
  const { rows: current } = await tx.query(`SELECT ${DEPLOYMENT_COLUMNS} FROM deployments d WHERE d.deployment_id = $1 FOR UPDATE`, [deploymentId]);
  if (!current[0]) throw notFound('deployment');
  const before = toDeployment(current[0]);
  const release = extra.release ?? before.new_release;
  if (release !== before.new_release && release !== before.old_release) throw validationError('release', "must be the deployment's old or new release");
  const transition = deploymentTransition(before.status, status);
  if (transition === 'noop') return before;
  if (transition === 'illegal') throw conflict(`deployment ${before.id} is ${before.status}: it cannot become ${status}`);
  const { rows } = await tx.query(
    `UPDATE deployments d SET status = $2, finished_at = CASE WHEN $2 IN ('complete', 'failed') THEN COALESCE(d.finished_at, now()) END
     WHERE d.deployment_id = $1 RETURNING ${DEPLOYMENT_COLUMNS}`,
    [deploymentId, status],
  );
  const deployment = toDeployment(rows[0]!);
  emitDeploymentEvent(tx, deployment, status, { ...extra, release });
  return deployment;
}

/** Fails every unfinished deployment of an app (app deletion). */
export async function cancelUnfinishedDeployments(tx: Tx, appId: string, reason: string): Promise<void> {
  const { rows } = await tx.query<{ deployment_id: string }>('SELECT deployment_id FROM deployments WHERE app_id = $1 AND finished_at IS NULL', [appId]);
  for (const r of rows) await setDeploymentStatus(tx, r.deployment_id, 'failed', { error: reason });
}

function emitDeploymentEvent(tx: Tx, d: Deployment, status: DeploymentStatus, extra: DeploymentStatusExtra = {}): void {
  const data: DeploymentEvent = { app: d.app, deployment: d.id, release: extra.release ?? d.new_release, status };
  if (extra.jobType) data.job_type = extra.jobType;
  if (extra.jobState) data.job_state = extra.jobState;
  if (extra.error) data.error = extra.error;
  tx.emit({ appId: d.app, objectType: 'deployment', objectId: d.id, data });
}
