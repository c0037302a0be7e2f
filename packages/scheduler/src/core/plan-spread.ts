/**
 * A non-omni (formation, type): stop the jobs on hosts whose tags no longer
 * match, stop the surplus in stop order, then place the jobs still missing
 * (pending restarts whose backoff passed first, then new ones) spread over
 * the hosts that match the tags and have room.
 */
import type { LedgerHost } from './host-ledger.js';
import type { Formation, JobView, ResourceAmount } from './model.js';
import type { GroupPlacement, PlanContext } from './plan-context.js';
import { isReady, placementQueueOrder } from './plan-context.js';
import { placeSpread } from './placement.js';
import { chooseJobsToStop } from './stop-order.js';
import { formatTags, tagsMatch } from './tags.js';

export interface GroupInput {
  formation: Formation;
  type: string;
  /** The desired count; `undefined` keeps the number of live jobs (a refused critical scale-down). */
  count: number | undefined;
  /** The group's live jobs on hosts that are not gone, and its unplaced jobs. */
  jobs: JobView[];
  /** The type's resource request, or why it cannot be placed at all. */
  request: ResourceAmount | { invalid: string };
  priority: number;
}

/** The request recorded on a blocked job whose type's request is unusable. */
export const NO_REQUEST: ResourceAmount = Object.freeze({ memory: 0, cpu: 0 });

export function decideSpread(ctx: PlanContext, g: GroupInput): GroupPlacement | undefined {
  const want = g.formation.tags?.[g.type];
  let keep: JobView[] = [];
  for (const job of g.jobs) {
    const host = job.hostId === undefined ? undefined : ctx.ledger.get(job.hostId);
    if (host && !tagsMatch(host.host.tags, want)) ctx.stop(job, 'tags');
    else keep.push(job);
  }
  // A refused scale-down keeps the count it has: tag-mismatched jobs are replaced.
  const n = g.count ?? g.jobs.length;
  if (keep.length > n) {
    const surplus = chooseJobsToStop(keep, keep.length - n, ctx.draining);
    const stopped = new Set(surplus.map((j) => j.id));
    for (const job of surplus) ctx.stop(job, 'surplus');
    keep = keep.filter((j) => !stopped.has(j.id));
  }
  const ready = keep.filter((j) => j.hostId === undefined && isReady(j, ctx.now)).sort(placementQueueOrder);
  const missing = n - keep.length;
  if (ready.length === 0 && missing <= 0) return undefined;
  const counts = new Map<string, number>();
  for (const job of keep) {
    if (job.hostId !== undefined) counts.set(job.hostId, (counts.get(job.hostId) ?? 0) + 1);
  }
  return {
    priority: g.priority,
    place: (c) => placeGroup(c, g, ready, Math.max(0, missing), counts),
  };
}

function placeGroup(ctx: PlanContext, g: GroupInput, ready: JobView[], missing: number, counts: Map<string, number>): void {
  const request = g.request;
  const total = ready.length + missing;
  const jobAt = (i: number): JobView => ready[i] ?? ctx.newJob(g.formation, g.type, 'invalid' in request ? NO_REQUEST : request);
  const rest = (from: number): JobView[] => Array.from({ length: total - from }, (_, k) => jobAt(from + k));
  if ('invalid' in request) {
    ctx.block(g.formation, g.type, rest(0), request.invalid);
    return;
  }
  const want = g.formation.tags?.[g.type];
  const candidates: LedgerHost[] = [];
  let anyPlaceable = false;
  for (const h of ctx.ledger.hosts) {
    if (!h.placeable) continue;
    anyPlaceable = true;
    if (tagsMatch(h.host.tags, want)) candidates.push(h);
  }
  if (candidates.length === 0) {
    const reason = anyPlaceable && want ? `no host matches tags ${formatTags(want)}` : 'no active hosts';
    ctx.block(g.formation, g.type, rest(0), reason);
    return;
  }
  const result = placeSpread(candidates, counts, request, total);
  result.placed.forEach((host, i) => ctx.start(jobAt(i), host));
  if (result.reason !== undefined) ctx.block(g.formation, g.type, rest(result.placed.length), result.reason);
}
