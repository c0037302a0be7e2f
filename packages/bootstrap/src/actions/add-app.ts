/**
 * `add-app`: register in the controller an app a run-app step started
 * (reference §4.2): the app, artifacts and release with the ids run-app
 * chose, the formation, and the running jobs (state `up`), so that the
 * scheduler adopts them instead of starting more.
 */
import type { AddAppStep } from '../core/manifest-types.js';
import type { Action } from '../step-context.js';
import { registerApp } from './register-app.js';
import type { AppData } from './run-app.js';

export const addApp: Action<AddAppStep> = async (ctx) => {
  const data = ctx.state.stepData[ctx.step.from_step] as AppData;
  const client = await ctx.controller();
  await registerApp(ctx, client, data);
  for (const job of data.jobs) {
    await client.putJob({ id: job.id, uuid: job.uuid, host_id: job.host_id, app: data.app.id, release: data.release.id, type: job.type, state: 'up' });
  }
  return { data: { app: data.app, release: data.release, artifacts: data.artifacts, processes: data.processes } };
};
