/**
 * The planner: `plan(desired formations, cluster view, {now, random})` →
 * the actions that make the cluster match the formations. Pure and
 * deterministic: the same inputs and seed give the same actions, whatever
 * the order of the inputs.
 *
 * One call:
 * 1. jobs on hosts that are gone (absent from the view or `down`) are `lost`;
 * 2. every (formation, type) decides its stops (tag mismatch, surplus,
 *    omni per host) and what it still needs placed;
 * 3. placements run in order (omni types, then system apps, then the rest;
 *    each by app, release, type), all against one resource ledger, so a job
 *    placed earlier in the plan counts on its host for the later ones.
 *
 * Jobs of formations absent from `desired` are left alone (the controller
 * reports a deleted formation with zero processes), and so are one-off jobs.
 */
import type { Random } from '@flynn-ts/core';
import { HostLedger } from './host-ledger.js';
import type { Action, ClusterView, Formation, JobView } from './model.js';
import { isLive, META_SYSTEM_APP, META_SYSTEM_CRITICAL } from './model.js';
import type { GroupPlacement } from './plan-context.js';
import { PlanContext } from './plan-context.js';
import { decideOmni } from './plan-omni.js';
import type { GroupInput } from './plan-spread.js';
import { decideSpread } from './plan-spread.js';
import { requestFor } from './resources.js';

export interface PlanOptions {
  /** The current time (ms); pending restarts with a later `runAt` wait. */
  now: number;
  /** Breaks placement ties and draws new job ids. */
  random: Random;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function plan(desired: readonly Formation[], view: ClusterView, opts: PlanOptions): Action[] {
  const ctx = new PlanContext(opts.now, opts.random, new HostLedger(view, opts.random));
  const formations = new Map<string, Map<string, Formation>>(); // app → release → formation (last wins)
  for (const f of desired) {
    let releases = formations.get(f.app);
    if (!releases) formations.set(f.app, (releases = new Map()));
    releases.set(f.release, f);
  }
  const { groups, activeReleases } = groupJobs(ctx, formations, view);

  const placements: GroupPlacement[] = [];
  for (const app of [...formations.keys()].sort()) {
    const releases = formations.get(app)!;
    for (const release of [...releases.keys()].sort()) {
      const f = releases.get(release)!;
      const byType = groups.get(f) ?? new Map<string, JobView[]>();
      for (const type of [...new Set([...Object.keys(f.processes), ...byType.keys()])].sort()) {
        const jobs = (byType.get(type) ?? []).sort(byId);
        const spec = f.types[type];
        const g: GroupInput = {
          formation: f,
          type,
          count: desiredCount(f, type, jobs, activeReleases, ctx),
          jobs,
          request: spec ? requestFor(spec.resources) : { invalid: `release ${f.release} has no process type "${type}"` },
          priority: spec?.omni === true ? 0 : f.appMeta?.[META_SYSTEM_APP] === 'true' ? 1 : 2,
        };
        const p = spec?.omni === true ? decideOmni(ctx, g) : decideSpread(ctx, g);
        if (p) placements.push(p);
      }
    }
  }
  // Array.prototype.sort is stable: equal priorities keep the app/release/type order.
  placements.sort((a, b) => a.priority - b.priority);
  for (const p of placements) p.place(ctx);
  return ctx.actions;
}

/**
 * Emits `lost` for the jobs of gone hosts (by id), groups the other live
 * formation jobs by formation and type, and notes which releases of each app
 * have jobs starting or up.
 */
function groupJobs(ctx: PlanContext, formations: Map<string, Map<string, Formation>>, view: ClusterView) {
  const groups = new Map<Formation, Map<string, JobView[]>>();
  const activeReleases = new Map<string, Set<string>>();
  const lost: JobView[] = [];
  for (const job of view.jobs) {
    if (job.hostId !== undefined && (isLive(job.state) || job.state === 'stopping') && ctx.ledger.isGone(job.hostId)) {
      lost.push(job);
      continue;
    }
    if (job.oneOff === true || !isLive(job.state)) continue;
    if (job.state === 'starting' || job.state === 'up') {
      const set = activeReleases.get(job.app);
      if (set) set.add(job.release);
      else activeReleases.set(job.app, new Set([job.release]));
    }
    const f = formations.get(job.app)?.get(job.release);
    if (f === undefined) continue;
    let byType = groups.get(f);
    if (!byType) groups.set(f, (byType = new Map()));
    const list = byType.get(job.type);
    if (list) list.push(job);
    else byType.set(job.type, [job]);
  }
  for (const job of lost.sort(byId)) ctx.actions.push({ kind: 'lost', jobId: job.id, hostId: job.hostId!, app: job.app, release: job.release, type: job.type });
  return { groups, activeReleases };
}

/**
 * The count to converge to. A critical app's type scaled to zero keeps its
 * live jobs (`undefined`: the count stays what it is) while no other release
 * of the app has running jobs (reference §6.1), and the refusal is reported.
 */
function desiredCount(f: Formation, type: string, jobs: JobView[], active: Map<string, Set<string>>, ctx: PlanContext): number | undefined {
  const raw = f.processes[type] ?? 0;
  const count = Number.isFinite(raw) && raw > 0 ? Math.floor(raw) : 0;
  if (count > 0 || f.appMeta?.[META_SYSTEM_CRITICAL] !== 'true' || jobs.length === 0) return count;
  const others = [...(active.get(f.app) ?? [])].filter((r) => r !== f.release);
  if (others.length > 0) return count;
  ctx.actions.push({
    kind: 'refuse',
    app: f.app,
    release: f.release,
    type,
    reason: `refusing to scale critical app's only active formation to zero (${type})`,
  });
  return undefined;
}
