/**
 * What a scheduler does when it becomes the leader, before its first plan:
 * list every host's jobs again (the hosts are the truth about what runs),
 * then read the controller's active jobs for what hosts cannot say: pending
 * restarts with their `run_at` and restart count, blocked jobs, and jobs of
 * hosts that are gone (the plan reports them lost). A job the controller
 * thinks runs on a host that listed its jobs without it is written `down`.
 */
import type { Clock, Logger } from '@flynn-ts/core';
import type { JobState } from '../core/model.js';
import { requestFor } from '../core/resources.js';
import type { FormationSet } from './formation-set.js';
import type { HostSet } from './host-set.js';
import type { JobRecord, JobTable } from './job-table.js';
import type { JobWrite } from './ports.js';
import type { WireJob } from './wire.js';

export interface TakeoverInput {
  active: readonly WireJob[];
  table: JobTable;
  hosts: HostSet;
  formations: FormationSet;
  clock: Clock;
  logger: Logger;
  /** Writes for jobs that are not in the table (down). */
  write: (w: JobWrite) => void;
}

const LIVE: ReadonlySet<string> = new Set(['pending', 'blocked', 'starting', 'up', 'stopping']);

export function applyControllerJobs(t: TakeoverInput): { added: number; gone: number } {
  let added = 0;
  let gone = 0;
  const now = t.clock.now();
  for (const w of t.active) {
    if (!LIVE.has(w.state)) continue;
    const known = t.table.get(w.uuid);
    if (known) {
      if (typeof w.restarts === 'number' && w.restarts > known.restarts) known.restarts = w.restarts;
      continue;
    }
    const host = w.host_id ? t.hosts.get(w.host_id) : undefined;
    const hostListed = host?.link?.synced === true && t.hosts.health.health(host.id) !== 'down';
    if (w.host_id && hostListed && w.state !== 'pending') {
      // Its host listed its jobs without it: it is gone.
      t.write({ uuid: w.uuid, app: w.app, state: 'down', host_error: w.host_error ?? 'job not found on host', ...(w.id ? { id: w.id } : {}), host_id: w.host_id });
      gone++;
      continue;
    }
    if (!w.release || !w.type) continue;
    const rec = recordFrom(w, t, now);
    // A pending job its host does not have was never started there: place it again.
    if (rec.state === 'pending' && hostListed) delete rec.hostId;
    t.table.add(rec);
    added++;
  }
  if (added + gone > 0) t.logger.info({ event: 'takeover_jobs', added, gone }, 'jobs taken over from the controller');
  return { added, gone };
}

function recordFrom(w: WireJob, t: TakeoverInput, now: number): JobRecord {
  const spec = t.formations.get(w.app, w.release!)?.formation.types[w.type!];
  const request = requestFor(spec?.resources);
  const state = (w.state === 'starting' || w.state === 'up' || w.state === 'stopping' || w.state === 'blocked' ? w.state : 'pending') as JobState;
  const rec: JobRecord = {
    id: w.uuid,
    app: w.app,
    release: w.release!,
    type: w.type!,
    state,
    restarts: w.restarts ?? 0,
    createdAt: parseTime(w.created_at) ?? now,
    resources: 'invalid' in request ? { memory: 0, cpu: 0 } : request,
    oneOff: false,
    stopRequested: state === 'stopping',
    lost: false,
  };
  if (w.host_id) rec.hostId = w.host_id;
  const runAt = parseTime(w.run_at);
  if (runAt !== undefined) rec.runAt = runAt;
  if (w.host_error) rec.hostError = w.host_error;
  if (state === 'blocked' && w.host_error) rec.blockedReason = w.host_error;
  if (spec?.service) rec.service = spec.service;
  return rec;
}

function parseTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}
