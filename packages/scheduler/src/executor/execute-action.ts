/**
 * Carries out one planner action on the job table (at once: the view the next
 * plan sees is what `applyActions` would give) and hands starts and stops to
 * the action runner, which talks to the hosts in the background.
 */
import type { Action, JobView } from '../core/model.js';
import { formatTags } from '../core/tags.js';
import type { JobRecord } from './job-table.js';
import type { Scheduler } from './scheduler.js';

export function executeAction(s: Scheduler, a: Action): void {
  switch (a.kind) {
    case 'start':
      return start(s, a.job, a.hostId);
    case 'stop': {
      const rec = s.table.get(a.jobId);
      if (!rec) return;
      rec.stopRequested = true;
      s.logger.info({ event: 'job_stop', job: rec.id, hostId: a.hostId, app: a.app, type: a.type, reason: a.reason }, 'stopping job');
      if (a.hostId === undefined) {
        s.table.transition(rec, 'down');
      } else {
        s.table.transition(rec, 'stopping');
        s.runner.stop(rec);
      }
      return;
    }
    case 'block':
      return block(s, a);
    case 'lost': {
      const rec = s.table.get(a.jobId);
      if (!rec) return;
      rec.lost = true;
      rec.hostError = `host ${a.hostId} is down`;
      s.logger.warn({ event: 'job_lost', job: rec.id, hostId: a.hostId, app: a.app, type: a.type }, 'job lost with its host');
      s.table.transition(rec, 'down');
      return;
    }
    case 'refuse': {
      const key = `${a.app}/${a.release}/${a.type}`;
      if (s.blocked.get(key) !== a.reason) s.logger.warn({ event: 'scale_refused', app: a.app, release: a.release, type: a.type, reason: a.reason }, a.reason);
      s.blocked.set(key, a.reason);
      return;
    }
  }
}

function start(s: Scheduler, job: JobView, hostId: string): void {
  let rec = s.table.get(job.id);
  if (!rec) {
    rec = s.table.add(newRecord(s, job, hostId));
  } else {
    rec.hostId = hostId;
    delete rec.blockedReason;
    delete rec.hostError;
    if (!s.table.transition(rec, 'pending')) s.table.touch(rec);
  }
  s.blocked.delete(`${rec.app}/${rec.release}/${rec.type}`);
  s.runner.start(rec);
}

function newRecord(s: Scheduler, job: JobView, hostId: string | undefined): JobRecord {
  const rec: JobRecord = {
    id: job.id,
    app: job.app,
    release: job.release,
    type: job.type,
    state: job.state === 'blocked' ? 'blocked' : 'pending',
    restarts: job.restarts,
    createdAt: job.createdAt ?? s.clock.now(),
    resources: { ...job.resources },
    oneOff: false,
    stopRequested: false,
    lost: false,
  };
  if (hostId !== undefined) rec.hostId = hostId;
  if (job.runAt !== undefined) rec.runAt = job.runAt;
  const service = s.formations.get(job.app, job.release)?.formation.types[job.type]?.service;
  if (service) rec.service = service;
  return rec;
}

function block(s: Scheduler, a: Extract<Action, { kind: 'block' }>): void {
  const key = `${a.app}/${a.release}/${a.type}`;
  if (s.blocked.get(key) !== a.reason) {
    const tags = s.formations.get(a.app, a.release)?.formation.tags?.[a.type];
    s.logger.warn({ event: 'jobs_blocked', app: a.app, release: a.release, type: a.type, jobs: a.jobs.length, reason: a.reason, tags: tags ? formatTags(tags) : undefined }, `cannot place ${a.type} jobs: ${a.reason}`);
  }
  s.blocked.set(key, a.reason);
  for (const j of a.jobs) {
    let rec = s.table.get(j.id);
    if (!rec) {
      rec = newRecord(s, { ...j, state: 'blocked' }, undefined);
      rec.blockedReason = a.reason;
      s.table.add(rec);
      continue;
    }
    const changed = rec.blockedReason !== a.reason || rec.hostId !== undefined;
    delete rec.hostId;
    rec.blockedReason = a.reason;
    if (!s.table.transition(rec, 'blocked') && changed) s.table.touch(rec);
  }
}
