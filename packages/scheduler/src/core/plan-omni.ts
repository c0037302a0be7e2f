/**
 * An omni (formation, type): `count` jobs on every active host whose tags
 * match (reference §6.1). Jobs on draining hosts and hosts whose tags no
 * longer match are stopped, and so are the extra ones on a host with too
 * many. Each missing job is a slot on a host. At placement time, pending
 * restarts whose backoff passed, then new jobs, take the first slot (in
 * host rank order) whose host has room; restarts still backing off hold the
 * slots left over. Unplaced jobs beyond the slots are stopped.
 */
import type { LedgerHost } from './host-ledger.js';
import { fits, reserve } from './host-ledger.js';
import type { JobView, ResourceAmount } from './model.js';
import type { GroupPlacement, PlanContext } from './plan-context.js';
import { isReady, placementQueueOrder } from './plan-context.js';
import type { GroupInput } from './plan-spread.js';
import { NO_REQUEST } from './plan-spread.js';
import { shortageFor } from './placement.js';
import { chooseJobsToStop } from './stop-order.js';
import { tagsMatch } from './tags.js';

export function decideOmni(ctx: PlanContext, g: GroupInput): GroupPlacement | undefined {
  if (g.count === undefined) return undefined; // refused scale-down: leave every host as it is
  const perHost = g.count;
  const want = g.formation.tags?.[g.type];
  const onHost = new Map<string, JobView[]>();
  const unplaced: JobView[] = [];
  for (const job of g.jobs) {
    if (job.hostId === undefined) unplaced.push(job);
    else {
      const list = onHost.get(job.hostId);
      if (list) list.push(job);
      else onHost.set(job.hostId, [job]);
    }
  }
  const kept = new Map<string, number>();
  for (const [hostId, jobs] of onHost) {
    const h = ctx.ledger.get(hostId)!;
    if (!h.active) jobs.forEach((j) => ctx.stop(j, 'omni-surplus'));
    else if (!tagsMatch(h.host.tags, want)) jobs.forEach((j) => ctx.stop(j, 'tags'));
    else {
      const extra = chooseJobsToStop(jobs, jobs.length - perHost, ctx.draining);
      extra.forEach((j) => ctx.stop(j, 'omni-surplus'));
      kept.set(hostId, jobs.length - extra.length);
    }
  }
  const slots: LedgerHost[] = [];
  for (const h of ctx.ledger.hosts) {
    if (!h.active || !tagsMatch(h.host.tags, want)) continue;
    for (let d = perHost - (kept.get(h.id) ?? 0); d > 0; d--) slots.push(h);
  }
  // Ready ones first (oldest first), then those backing off. Beyond the slots they are surplus.
  const queue = [...unplaced.filter((j) => isReady(j, ctx.now)).sort(placementQueueOrder), ...unplaced.filter((j) => !isReady(j, ctx.now)).sort(placementQueueOrder)];
  queue.slice(slots.length).forEach((j) => ctx.stop(j, 'surplus'));
  const ready = queue.slice(0, slots.length).filter((j) => isReady(j, ctx.now));
  const missing = slots.length - Math.min(queue.length, slots.length);
  if (ready.length === 0 && missing <= 0) return undefined;
  return { priority: g.priority, place: (c) => placeSlots(c, g, slots, ready, missing) };
}

function placeSlots(ctx: PlanContext, g: GroupInput, slots: LedgerHost[], ready: JobView[], missing: number): void {
  const request = g.request;
  const blocked = new Map<string, JobView[]>();
  const block = (reason: string, job: JobView) => {
    const list = blocked.get(reason);
    if (list) list.push(job);
    else blocked.set(reason, [job]);
  };
  const free = slots.slice(); // in host rank order
  const queue = [...ready, ...Array.from({ length: missing }, () => undefined)];
  for (const existing of queue) {
    const job = existing ?? ctx.newJob(g.formation, g.type, 'invalid' in request ? NO_REQUEST : request);
    if ('invalid' in request) {
      block(request.invalid, job);
      continue;
    }
    const i = free.findIndex((h) => h.placeable && fits(h, request));
    if (i < 0) {
      block(slotShortage(free, request), job);
      continue;
    }
    const h = free.splice(i, 1)[0]!;
    reserve(h, request);
    ctx.start(job, h);
  }
  // Whatever slots remain are held by restarts still backing off, or stay empty (blocked jobs).
  for (const [reason, jobs] of blocked) ctx.block(g.formation, g.type, jobs, reason);
}

/** Why no free slot can take the job: per host, at most three named. */
function slotShortage(free: readonly LedgerHost[], request: ResourceAmount): string {
  const hosts = [...new Set(free)];
  const why = (h: LedgerHost) => (h.placeable ? shortageFor([h], request, `host ${h.id} does not have`) : `host ${h.id} is unhealthy`);
  const named = hosts.slice(0, 3).map(why);
  if (hosts.length > 3) named.push(`${hosts.length - 3} more hosts`);
  return named.join('; ');
}
