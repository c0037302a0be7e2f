/** `scale-app`: change an app's formation (the given types; others keep their counts) and wait for the jobs. */
import { FlynnError } from '@flynn-ts/core';
import { BOOTSTRAP_STEP_FAILED, BootstrapError } from '../core/errors.js';
import type { ScaleAppStep } from '../core/manifest-types.js';
import { countsOf } from '../core/render-step.js';
import { capCounts } from '../core/run-app-plan.js';
import type { Action } from '../step-context.js';
import { stepApp } from './controller-app.js';
import { waitFormationUp } from './formation-wait.js';

export const scaleApp: Action<ScaleAppStep> = async (ctx) => {
  const client = await ctx.controller();
  const app = await stepApp(ctx, client, ctx.step.app_step, ctx.step.app);
  if (!app.release) throw new BootstrapError(BOOTSTRAP_STEP_FAILED, `app ${app.name} has no release to scale`);
  const release = await client.getRelease(app.release);
  let current: Record<string, number> = {};
  try {
    current = (await client.getFormation(app.id, release.id)).processes ?? {};
  } catch (err) {
    if (!(FlynnError.is(err) && err.status === 404)) throw err;
  }
  const processes = { ...current, ...capCounts(countsOf(ctx.step.processes, 'processes', ctx.at), ctx.singleton) };
  ctx.progress(`scaling ${app.name}: ${Object.entries(processes).map(([t, n]) => `${t}=${n}`).join(' ')}`);
  await client.putFormation({ app: app.id, release: release.id, processes });
  let up: Record<string, number> = {};
  if (ctx.step.wait !== false) {
    const omni = Object.entries(release.processes).filter(([, p]) => p.omni === true).map(([t]) => t);
    up = await waitFormationUp(ctx, client, { app, releaseId: release.id, processes, omni });
  }
  return { data: { app: { id: app.id, name: app.name }, processes, up } };
};
