/**
 * Creating an app with its artifacts and release in the controller and
 * making the release current (add-app, deploy-app), with the ids the step
 * chose.
 */
import type { ControllerClient, NewArtifact, NewRelease } from '@flynn-ts/controller';
import { BOOTSTRAP_STEP_FAILED, BootstrapError } from '../core/errors.js';
import type { StepContext } from '../step-context.js';
import type { AppData } from './run-app.js';

export async function registerApp(ctx: StepContext, client: ControllerClient, data: AppData): Promise<void> {
  if (data.artifacts.length === 0 && Object.values(data.processes).some((n) => n > 0)) {
    throw new BootstrapError(
      BOOTSTRAP_STEP_FAILED,
      `app ${data.app.name} has no artifacts: the controller cannot scale a release without one (add e.g. "artifacts": [{"type": "file", "uri": "file:///"}])`,
    );
  }
  ctx.progress(`creating app ${data.app.name}`);
  await client.createApp({
    id: data.app.id,
    name: data.app.name,
    meta: data.app.meta,
    ...(data.app.strategy ? { strategy: data.app.strategy } : {}),
    ...(data.app.deploy_timeout !== undefined ? { deploy_timeout: data.app.deploy_timeout } : {}),
  });
  for (const a of data.artifacts) {
    const artifact: NewArtifact = { id: a.id, type: a.type, uri: a.uri };
    if (a.meta) artifact.meta = a.meta;
    if (a.manifest !== undefined) artifact.manifest = a.manifest;
    if (a.layer_url_template) artifact.layer_url_template = a.layer_url_template;
    // The controller keeps one artifact per (type, uri): an existing one comes back with its own id.
    a.id = (await client.createArtifact(artifact)).id;
  }
  const release: NewRelease = {
    id: data.release.id,
    artifacts: data.artifacts.map((a) => a.id),
    env: data.release.env,
    meta: data.release.meta,
    processes: data.release.processes as NonNullable<NewRelease['processes']>,
  };
  await client.createRelease(data.app.id, release);
  await client.setAppRelease(data.app.id, data.release.id);
  if (Object.keys(data.processes).length > 0) {
    ctx.progress(`scaling ${data.app.name}`);
    await client.putFormation({ app: data.app.id, release: data.release.id, processes: data.processes });
  }
}
