/**
 * Attaching a resource's env to an app: a new release that copies the
 * current one (artifacts, processes, meta) with the env merged in (resource
 * values win), deployed like `POST /apps/:id/deploy`: set at once when the
 * app runs no processes, else a pending deployment for the deployer.
 */
import type { Release, StringMap } from '../types.js';
import type { Tx } from '../db/database.js';
import { getApp, setAppRelease } from './apps.js';
import { createDeployment } from './deployments.js';
import { getRelease, insertRelease } from './releases.js';

export async function attachEnvRelease(tx: Tx, appId: string, env: StringMap): Promise<Release> {
  const app = await getApp(tx, appId, { forUpdate: true });
  const current = app.release ? await getRelease(tx, app.release) : undefined;
  const release = await insertRelease(tx, {
    appId: app.id,
    artifacts: current?.artifacts ?? [],
    env: { ...(current?.env ?? {}), ...env },
    meta: current?.meta ?? {},
    processes: current?.processes ?? {},
  });
  await createDeployment(tx, app, release.id, setAppRelease);
  return release;
}
