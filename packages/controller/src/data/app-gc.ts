/**
 * App garbage collection (`POST /apps/:id/gc`, reference §5.7): keeps the
 * releases of the `gc.max_inactive_slug_releases` (default 10, `false`
 * disables) most recent distinct slugs and deletes older slug releases
 * (`meta.git = "true"`), never the current release or one with running
 * processes. The original ran this in a worker; here it runs in the request,
 * in one transaction, and emits `app_garbage_collection` as the original.
 */
import type { App } from '../types.js';
import type { Tx } from '../db/database.js';
import { artifactsByIds } from './artifacts.js';
import { listFormations } from './formations.js';
import { listAppReleases, softDeleteRelease } from './releases.js';

export interface AppGarbageCollection {
  app_id: string;
  deleted_releases: string[];
}

export async function collectAppGarbage(tx: Tx, app: App): Promise<AppGarbageCollection> {
  const gc: AppGarbageCollection = { app_id: app.id, deleted_releases: [] };
  const setting = app.meta['gc.max_inactive_slug_releases'];
  let error = '';
  if (setting !== undefined && setting !== 'false') {
    const max = /^\d{1,9}$/.test(setting) ? Number(setting) : NaN;
    if (Number.isNaN(max)) {
      error = `invalid gc.max_inactive_slug_releases ${JSON.stringify(setting)}`;
    } else {
      for (const id of await oldSlugReleases(tx, app, max)) {
        await softDeleteRelease(tx, app.id, id);
        gc.deleted_releases.push(id);
      }
    }
  }
  tx.emit({ appId: app.id, objectType: 'app_garbage_collection', objectId: app.id, data: { app_garbage_collection: gc, error } });
  return gc;
}

async function oldSlugReleases(tx: Tx, app: App, max: number): Promise<string[]> {
  const releases = await listAppReleases(tx, app.id); // newest first
  const active = new Set((await listFormations(tx, app.id)).filter((f) => Object.values(f.processes).some((n) => n > 0)).map((f) => f.release));
  if (app.release) active.add(app.release);
  const slugs = new Map((await artifactsByIds(tx, releases.flatMap((r) => r.artifacts.slice(1, 2)))).map((a) => [a.id, a]));
  const distinct = new Set<string>();
  const old: string[] = [];
  for (const r of releases) {
    if (active.has(r.id) || r.meta.git !== 'true') continue;
    if (distinct.size >= max) old.push(r.id);
    const slug = r.artifacts[1] ? slugs.get(r.artifacts[1]) : undefined;
    if (slug?.meta?.blobstore === 'true') distinct.add(slug.uri);
  }
  return old;
}
