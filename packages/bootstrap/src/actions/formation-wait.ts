/**
 * Waiting for an app's formation to be up: the controller's job list (which
 * the scheduler keeps) must show `up` jobs of the release for every process
 * type (omni types: the count on every host). On timeout the message names
 * what is missing and shows crashed jobs' logs, or says that no job was
 * started at all (no scheduler).
 */
import type { ControllerClient, Job } from '@flynn-ts/controller';
import { describeFailedJobs } from '../job-diagnostics.js';
import { errorText, pollUntil } from '../poll.js';
import type { StepContext } from '../step-context.js';

export interface FormationTarget {
  app: { id: string; name: string };
  releaseId: string;
  /** Wanted counts (already capped in singleton mode). */
  processes: Record<string, number>;
  /** Process types that are omni (count per host). */
  omni: readonly string[];
}

/** Counts of `up` jobs of `releaseId` by type. */
export function upCounts(jobs: readonly Job[], releaseId: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const j of jobs) if (j.state === 'up' && j.release === releaseId && j.type) out[j.type] = (out[j.type] ?? 0) + 1;
  return out;
}

/** `web 1/2, scheduler 0/1` and whether every type is complete. */
export function formationProgress(want: Record<string, number>, up: Record<string, number>): { text: string; complete: boolean } {
  const types = Object.keys(want).filter((t) => want[t]! > 0).sort();
  return {
    text: types.length === 0 ? 'nothing to run' : types.map((t) => `${t} ${Math.min(up[t] ?? 0, want[t]!)}/${want[t]}`).join(', '),
    complete: types.every((t) => (up[t] ?? 0) >= want[t]!),
  };
}

export async function waitFormationUp(ctx: StepContext, client: ControllerClient, target: FormationTarget): Promise<Record<string, number>> {
  const hostCount = target.omni.length > 0 ? Math.max(1, (await ctx.cluster.hosts(ctx.signal)).length) : 1;
  const want: Record<string, number> = {};
  for (const [t, n] of Object.entries(target.processes)) want[t] = target.omni.includes(t) ? n * hostCount : n;
  let last = '';
  let sawJobs = false;
  return pollUntil(
    ctx,
    async () => {
      let jobs: Job[];
      try {
        jobs = await client.jobList(target.app.id);
      } catch (err) {
        last = `controller: ${errorText(err)}`;
        ctx.progress(last);
        return undefined;
      }
      sawJobs ||= jobs.some((j) => j.release === target.releaseId);
      const up = upCounts(jobs, target.releaseId);
      const p = formationProgress(want, up);
      last = `${target.app.name}: ${p.text} up`;
      ctx.progress(last);
      return p.complete ? up : undefined;
    },
    {
      what: `the jobs of ${target.app.name} to be up`,
      last: () => last,
      diagnose: async () => {
        const failed = await describeFailedJobs(ctx.cluster, { apps: [target.app.id] });
        if (failed) return failed;
        return sawJobs ? undefined : `no job of ${target.app.name} was ever created: the scheduler starts them; is it running (the controller app's "scheduler" process)?`;
      },
    },
  );
}
