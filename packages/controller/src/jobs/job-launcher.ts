/**
 * One-off jobs (reference §5.3 `POST /apps/:id/jobs`): `prepare` resolves the
 * app, the release (default: the app's current one) and its artifacts, picks
 * a host, builds the host job (core/one-off-job.ts) and records the job as
 * `pending`; `start` PUTs it on the host and records `starting` (or `down`
 * with the host's error when the host refuses it), then follows it to `down`
 * in the background when the host client can be watched.
 *
 * Attached runs call `prepare`, open the host's attach connection, then
 * `start` (attach first, so no output is lost): see api/attach-upgrade.ts.
 */
import { randomUUID } from 'node:crypto';
import { FlynnError, noopLogger } from '@flynn-ts/core';
import type { Logger } from '@flynn-ts/core';
import type { NewJobInput } from '../core/new-job-input.js';
import { buildOneOffJob, clusterJobId } from '../core/one-off-job.js';
import type { ObservedJobState } from '../core/job-state.js';
import { getApp } from '../data/apps.js';
import { artifactsByIds } from '../data/artifacts.js';
import { getJob, recordJobState } from '../data/jobs.js';
import { getRelease } from '../data/releases.js';
import type { Database } from '../db/database.js';
import { ControllerError, unavailable, validationError } from '../errors.js';
import type { HostJob } from '../host-client.js';
import { isJobWatcher } from '../host-client.js';
import type { HostPicker, PickedHost } from '../hosts/host-picker.js';
import type { App, Job, Release } from '../types.js';
import { followJob } from './job-follower.js';

export const CONTROLLER_HOST_REFUSED = 'FLYNN_CONTROLLER_HOST_REFUSED';

export interface JobLauncherOptions {
  db: Database;
  /** Without one, running jobs answers 503. */
  picker?: HostPicker | undefined;
  /** Follow started jobs and record `up` / `down`. Default true. */
  follow?: boolean;
  /** Ends background following (the controller is closing). */
  signal: AbortSignal;
  logger?: Logger;
}

export interface PreparedJob {
  app: App;
  release: Release;
  host: PickedHost;
  hostJob: HostJob;
  uuid: string;
  /** The job as recorded (`pending`). */
  job: Job;
}

export class JobLauncher {
  private readonly logger: Logger;
  private readonly following = new Set<Promise<void>>();

  constructor(private readonly o: JobLauncherOptions) {
    this.logger = (o.logger ?? noopLogger).child({ component: 'jobs' });
  }

  async prepare(appRef: string, input: NewJobInput, options: { attach: boolean; signal?: AbortSignal }): Promise<PreparedJob> {
    const { db } = this.o;
    const app = await getApp(db, appRef);
    const releaseId = input.release ?? app.release;
    if (!releaseId) throw validationError('release', 'is required: the app has no current release');
    const release = await getRelease(db, releaseId);
    if (release.app_id !== app.id) throw validationError('release', `could not find release with ID ${releaseId} in app ${app.name}`);
    const artifactIds = input.artifacts ?? release.artifacts;
    if (artifactIds.length === 0) throw validationError('release.artifacts', 'cannot be empty');
    const artifacts = await artifactsByIds(db, artifactIds);
    const missing = artifactIds.find((id) => !artifacts.some((a) => a.id === id));
    if (missing) throw validationError('artifacts', `could not find artifact with ID ${missing}`);
    if (!this.o.picker) throw unavailable('no hosts configured: the controller cannot run jobs');
    // Checked before a host is picked: a bad request fails without touching any host.
    buildOneOffJob({ input, app, release, artifacts, hostId: 'check', uuid: 'check', attach: options.attach });
    const host = await this.o.picker({ app, release, ...(options.signal ? { signal: options.signal } : {}) });
    const uuid = randomUUID();
    const hostJob = buildOneOffJob({ input, app, release, artifacts, hostId: host.id, uuid, attach: options.attach });
    const job = await db.tx((tx) =>
      recordJobState(tx, app.id, {
        uuid,
        clusterId: hostJob.id,
        hostId: host.id,
        release: release.id,
        state: 'pending',
        ...(hostJob.metadata ? { meta: hostJob.metadata } : {}),
        ...(hostJob.config.args ? { args: hostJob.config.args } : {}),
      }),
    );
    if (!job) throw new FlynnError('FLYNN_CONTROLLER_INVARIANT', `job ${uuid} was not recorded`);
    this.logger.info({ event: 'job_prepared', appId: app.id, jobId: hostJob.id, releaseId: release.id, attach: options.attach }, 'one-off job placed');
    return { app, release, host, hostJob, uuid, job };
  }

  /** PUTs the job on its host. Rejects with the host's error (status and code kept) after recording the job `down`. */
  async start(p: PreparedJob): Promise<Job> {
    try {
      await p.host.client.addJob(p.hostJob);
    } catch (err) {
      await this.abandon(p, err instanceof Error ? err.message : String(err));
      throw hostRefused(p, err);
    }
    const job = (await this.record(p, { state: 'starting' })) ?? (await getJob(this.o.db, p.uuid));
    this.logger.info({ event: 'job_started', appId: p.app.id, jobId: p.hostJob.id, hostId: p.host.id }, 'one-off job started');
    if ((this.o.follow ?? true) && isJobWatcher(p.host.client)) {
      const watcher = p.host.client;
      const done: Promise<void> = followJob({
        watcher,
        jobId: p.hostJob.id,
        record: async (state) => void (await this.record(p, state)),
        signal: this.o.signal,
        logger: this.logger,
      }).finally(() => this.following.delete(done));
      this.following.add(done);
    }
    return job;
  }

  /** Records a prepared job that will not be started as `down` with `reason` (never rejects). */
  async abandon(p: PreparedJob, reason: string): Promise<void> {
    await this.record(p, { state: 'down', hostError: reason }).catch((err: unknown) => this.logger.warn({ event: 'job_record_failed', jobId: p.hostJob.id, err }, 'could not record the job as down'));
  }

  /** Waits for the background followers to end (after the signal aborted). */
  async drain(): Promise<void> {
    await Promise.all([...this.following]);
  }

  private record(p: PreparedJob, observed: ObservedJobState): Promise<Job | undefined> {
    return this.o.db.tx((tx) =>
      recordJobState(tx, p.app.id, {
        uuid: p.uuid,
        clusterId: clusterJobId(p.host.id, p.uuid),
        hostId: p.host.id,
        release: p.release.id,
        state: observed.state,
        ...(observed.exitStatus !== undefined ? { exitStatus: observed.exitStatus } : {}),
        ...(observed.hostError !== undefined ? { hostError: observed.hostError } : {}),
      }),
    );
  }
}

/**
 * The host's refusal, saying which host: a 4xx keeps its status and wire code
 * (the request was bad for the host: 400, 409, 429 ...); anything else is a
 * 503 (the host failed, not the request).
 */
function hostRefused(p: PreparedJob, err: unknown): FlynnError {
  const message = `host ${p.host.id} could not start job ${p.hostJob.id}: ${err instanceof Error ? err.message : String(err)}`;
  if (FlynnError.is(err) && err.status >= 400 && err.status < 500) {
    return new ControllerError(CONTROLLER_HOST_REFUSED, message, { apiCode: err.apiCode, status: err.status, retry: err.retry, cause: err, ...(err.detail !== undefined ? { detail: err.detail } : {}) });
  }
  return new ControllerError(CONTROLLER_HOST_REFUSED, message, { apiCode: 'service_unavailable', retry: true, cause: err });
}
