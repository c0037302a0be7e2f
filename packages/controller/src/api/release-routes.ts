/** Artifacts and releases (the original's generic CRUD for both). */
import { parseNewArtifact, parseNewRelease } from '../core/release-input.js';
import { getArtifact, insertArtifact, listArtifacts } from '../data/artifacts.js';
import { getRelease, insertRelease, listReleases } from '../data/releases.js';
import type { ApiDeps, ControllerApp } from './context.js';
import { param, readJson } from './context.js';

export function mountReleaseRoutes(app: ControllerApp, deps: ApiDeps): void {
  const { db } = deps;
  app.post('/artifacts', async (c) => {
    const input = parseNewArtifact(await readJson(c));
    return c.json(await db.tx((tx) => insertArtifact(tx, input)));
  });
  app.get('/artifacts', async (c) => c.json(await listArtifacts(db)));
  app.get('/artifacts/:id', async (c) => c.json(await getArtifact(db, param(c, 'id'))));

  app.post('/releases', async (c) => {
    const input = parseNewRelease(await readJson(c));
    return c.json(await db.tx((tx) => insertRelease(tx, input)));
  });
  app.get('/releases', async (c) => c.json(await listReleases(db)));
  app.get('/releases/:id', async (c) => c.json(await getRelease(db, param(c, 'id'))));
}
