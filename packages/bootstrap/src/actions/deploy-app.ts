/**
 * `deploy-app`: create an app, its artifacts and release through the
 * controller, scale it, and (unless `"wait": false`) wait until the
 * scheduler has its jobs up.
 */
import type { DeployAppStep } from '../core/manifest-types.js';
import type { Action } from '../step-context.js';
import { waitFormationUp } from './formation-wait.js';
import { registerApp } from './register-app.js';
import { appData } from './run-app.js';
import { loadArtifactManifests } from './artifacts.js';

export const deployApp: Action<DeployAppStep> = async (ctx) => {
  const data = appData(ctx, ctx.step);
  await loadArtifactManifests(data.artifacts, ctx.signal);
  const client = await ctx.controller();
  await registerApp(ctx, client, data);
  let up: Record<string, number> = {};
  if (ctx.step.wait !== false && Object.values(data.processes).some((n) => n > 0)) {
    const omni = Object.entries(data.release.processes).filter(([, p]) => p.omni === true).map(([t]) => t);
    up = await waitFormationUp(ctx, client, { app: data.app, releaseId: data.release.id, processes: data.processes, omni });
  }
  return { data: { app: data.app, release: data.release, artifacts: data.artifacts, processes: data.processes, up } };
};
