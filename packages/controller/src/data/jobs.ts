/** The job cache: schedulers upsert job states; the API lists them (reference §5.4 Job). */
import type { JobInput } from '../core/formation-input.js';
import { splitJobId } from '../core/formation-input.js';
import { JOB_STATE_RANK } from '../core/job-state.js';
import { notFound, validationError } from '../errors.js';
import type { Job } from '../types.js';
import type { Queryable, Tx } from '../db/database.js';
import { FOREIGN_KEY_VIOLATION, pgCode, PG_JOB_STATE } from '../db/pg-errors.js';
import { JOB_COLUMNS, toJob } from './rows.js';

const DOWN_STATES = `('down', 'crashed', 'failed')`;

/** A job by UUID or full cluster id (`<host>-<uuid>`). */
export async function getJob(q: Queryable, id: string): Promise<Job> {
  const parsed = splitJobId(id);
  if (!parsed) throw notFound('job');
  const { rows } = await q.query(`SELECT ${JOB_COLUMNS} FROM job_cache j WHERE j.job_id = $1`, [parsed.uuid]);
  if (!rows[0]) throw notFound('job');
  return toJob(rows[0]);
}

export async function listJobs(q: Queryable, appId: string): Promise<Job[]> {
  const { rows } = await q.query(`SELECT ${JOB_COLUMNS} FROM job_cache j WHERE j.app_id = $1 ORDER BY j.created_at DESC`, [appId]);
  return rows.map(toJob);
}

/** Every job that is not down (`GET /active-jobs`). */
export async function listActiveJobs(q: Queryable): Promise<Job[]> {
  const { rows } = await q.query(`SELECT ${JOB_COLUMNS} FROM job_cache j WHERE j.state NOT IN ${DOWN_STATES} ORDER BY j.created_at DESC`);
  return rows.map(toJob);
}

/**
 * Inserts or updates a job (keyed by UUID). A job that is down stays down
 * (database trigger). Emits one `job` event per (job, state): repeating a
 * state is idempotent.
 */
export async function upsertJob(tx: Tx, appId: string, input: JobInput): Promise<Job> {
  let rows;
  try {
    ({ rows } = await tx.query(
      `INSERT INTO job_cache AS j (job_id, cluster_id, host_id, app_id, release_id, process_type, state, meta, args, volume_ids,
         exit_status, host_error, run_at, restarts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (job_id) DO UPDATE SET cluster_id = COALESCE($2, j.cluster_id), host_id = COALESCE($3, j.host_id), state = $7,
         exit_status = $11, host_error = $12, run_at = $13, restarts = $14, args = COALESCE($9, j.args),
         volume_ids = COALESCE($10, j.volume_ids), updated_at = now()
       WHERE j.app_id = $4
       RETURNING ${JOB_COLUMNS}`,
      [
        input.uuid,
        input.clusterId ?? null,
        input.hostId ?? null,
        appId,
        input.release ?? null,
        input.type ?? null,
        input.state,
        input.meta ? JSON.stringify(input.meta) : null,
        input.args ? JSON.stringify(input.args) : null,
        input.volumes ? JSON.stringify(input.volumes) : null,
        input.exitStatus ?? null,
        input.hostError ?? null,
        input.runAt ?? null,
        input.restarts ?? null,
      ],
    ));
  } catch (err) {
    const code = pgCode(err);
    if (code === PG_JOB_STATE) throw validationError('state', (err as Error).message);
    if (code === FOREIGN_KEY_VIOLATION) throw validationError('release', `could not find release with ID ${input.release}`);
    throw err;
  }
  if (!rows[0]) throw validationError('app', 'does not match the job');
  const job = toJob(rows[0]);
  tx.emit({ appId, objectType: 'job', objectId: job.uuid, data: job, uniqueId: `${job.uuid}|${job.state}` });
  return job;
}

/** `CASE <column> WHEN 'pending' THEN 0 ... END`: the state's rank (core/job-state.ts) in SQL. */
function stateRank(column: string): string {
  const whens = Object.entries(JOB_STATE_RANK).map(([state, rank]) => `WHEN '${state}' THEN ${rank}`);
  return `(CASE ${column} ${whens.join(' ')} ELSE 0 END)`;
}

/**
 * Records a job state only when it moves the job forward (`pending` →
 * `starting` → `up` → `down`, see core/job-state.ts): a slower writer cannot
 * take a job back. Inserts the job when it is new. Resolves with the job, or
 * undefined when nothing changed (an older state, or a job of another app);
 * emits a `job` event only for a change.
 */
export async function recordJobState(tx: Tx, appId: string, input: JobInput): Promise<Job | undefined> {
  const { rows } = await tx.query(
    `INSERT INTO job_cache AS j (job_id, cluster_id, host_id, app_id, release_id, process_type, state, meta, args, exit_status, host_error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (job_id) DO UPDATE SET state = EXCLUDED.state, exit_status = COALESCE(EXCLUDED.exit_status, j.exit_status),
       host_error = COALESCE(EXCLUDED.host_error, j.host_error), updated_at = now()
     WHERE j.app_id = EXCLUDED.app_id AND ${stateRank('j.state')} < ${stateRank('EXCLUDED.state')}
     RETURNING ${JOB_COLUMNS}`,
    [
      input.uuid,
      input.clusterId ?? null,
      input.hostId ?? null,
      appId,
      input.release ?? null,
      input.type ?? null,
      input.state,
      input.meta ? JSON.stringify(input.meta) : null,
      input.args ? JSON.stringify(input.args) : null,
      input.exitStatus ?? null,
      input.hostError ?? null,
    ],
  );
  if (!rows[0]) return undefined;
  const job = toJob(rows[0]);
  tx.emit({ appId, objectType: 'job', objectId: job.uuid, data: job, uniqueId: `${job.uuid}|${job.state}` });
  return job;
}
