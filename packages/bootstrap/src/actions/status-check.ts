/**
 * `status-check`: the cluster is healthy when every system app (meta
 * `flynn-system-app=true`, or the apps listed) has its formation up, and the
 * optional `url` answers 200. Waits for that (up to the step timeout).
 */
import type { App, ControllerClient } from '@flynn-ts/controller';
import { FlynnError } from '@flynn-ts/core';
import type { StatusCheckStep } from '../core/manifest-types.js';
import { capCounts, META_SYSTEM_APP } from '../core/run-app-plan.js';
import { describeFailedJobs } from '../job-diagnostics.js';
import { errorText, pollUntil } from '../poll.js';
import type { Action, StepContext } from '../step-context.js';
import { formationProgress, upCounts } from './formation-wait.js';
import { startedJobFailures } from './wait.js';

export const statusCheck: Action<StatusCheckStep> = async (ctx) => {
  const { step } = ctx;
  const client = step.apps && step.apps.length === 0 ? undefined : await ctx.controller();
  const hostCount = Math.max(1, (await ctx.cluster.hosts(ctx.signal)).length);
  let last = '';
  let unhealthy: string[] = [];
  const result = await pollUntil(
    ctx,
    async () => {
      const report: Record<string, string> = {};
      unhealthy = [];
      if (step.url) {
        const ok = await urlOk(ctx, step.url);
        report[step.url] = ok;
        if (ok !== 'ok') unhealthy.push(step.url);
      }
      if (client) {
        for (const app of await appsToCheck(client, step.apps)) {
          const state = await appState(client, app, ctx.singleton, hostCount);
          report[app.name] = state.text;
          if (!state.complete) unhealthy.push(app.name);
        }
      }
      last = Object.entries(report).map(([k, v]) => `${k}: ${v}`).join('; ');
      ctx.progress(unhealthy.length === 0 ? 'all up' : `waiting for ${unhealthy.join(', ')} (${last})`);
      return unhealthy.length === 0 ? report : undefined;
    },
    { what: 'every system app to be up', intervalMs: 1000, last: () => last, diagnose: async () => (await describeFailedJobs(ctx.cluster, { apps: unhealthy })) ?? (await startedJobFailures(ctx)) },
  );
  return { data: { status: result } };
};

async function appsToCheck(client: ControllerClient, names: readonly string[] | undefined): Promise<App[]> {
  if (names) return Promise.all(names.map((n) => client.getApp(n)));
  return (await client.appList()).filter((a) => a.meta?.[META_SYSTEM_APP] === 'true');
}

async function appState(client: ControllerClient, app: App, singleton: boolean, hostCount: number): Promise<{ text: string; complete: boolean }> {
  if (!app.release) return { text: 'no release', complete: false };
  const [release, formation, jobs] = await Promise.all([
    client.getRelease(app.release),
    client.getFormation(app.id, app.release).catch((err: unknown) => {
      if (FlynnError.is(err) && err.status === 404) return undefined;
      throw err;
    }),
    client.jobList(app.id),
  ]);
  const want = capCounts(formation?.processes ?? {}, singleton);
  for (const [t, p] of Object.entries(release.processes)) if (p.omni === true && want[t] !== undefined) want[t] = want[t]! * hostCount;
  const p = formationProgress(want, upCounts(jobs, release.id));
  return { text: `${p.text} up`, complete: p.complete };
}

async function urlOk(ctx: StepContext, url: string): Promise<string> {
  try {
    const resolved = await ctx.cluster.resolveUrl(url, ctx.signal);
    if (!resolved) return 'not registered in discoverd';
    const res = await fetch(resolved, { signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(5_000)]) });
    await res.body?.cancel();
    return res.status === 200 ? 'ok' : `status ${res.status}`;
  } catch (err) {
    return errorText(err);
  }
}
