/**
 * The volume routes of the host API (the original's host/volume/api) for the
 * directory volumes of this host: one provider, `default`.
 *
 *   POST   /storage/providers/:provider_id/volumes   create (body optional: {id?, type?: "data", meta?})
 *   GET    /storage/volumes                          list
 *   GET    /storage/volumes/:volume_id               inspect (404)
 *   DELETE /storage/volumes/:volume_id               destroy (404; 409 while an active job uses it)
 */
import type { Hono } from 'hono';
import { FlynnError } from '@flynn-ts/core';
import type { ApiEnv } from '@flynn-ts/core/http';
import { parseJsonBody } from '@flynn-ts/core/http';
import { readBodyText } from './read-body.js';
import { VolumeInUseError, VolumeNotFoundError } from '../job/errors.js';
import type { JobManager } from '../job/job-manager.js';
import { DEFAULT_VOLUME_PROVIDER, VolumeManager } from '../volume/volume-manager.js';

export function volumeRoutes(app: Hono<ApiEnv>, volumes: VolumeManager, jobs: JobManager): void {
  app.post('/storage/providers/:provider_id/volumes', async (c) => {
    const provider = c.req.param('provider_id');
    if (provider !== DEFAULT_VOLUME_PROVIDER) {
      throw new FlynnError('FLYNN_HOST_NO_PROVIDER', `no volume provider with id "${provider}"`, { apiCode: 'object_not_found' });
    }
    const text = await readBodyText(c.req.raw);
    // Old clients send no body (the original accepts that too).
    const input = VolumeManager.parseCreateInput(text.trim() === '' ? undefined : parseJsonBody(text));
    return c.json(await volumes.create(input));
  });

  app.get('/storage/volumes', (c) => c.json(volumes.list()));

  app.get('/storage/volumes/:volume_id', (c) => {
    const info = volumes.get(c.req.param('volume_id'));
    if (!info) throw new VolumeNotFoundError(c.req.param('volume_id'));
    return c.json(info);
  });

  app.delete('/storage/volumes/:volume_id', async (c) => {
    const id = c.req.param('volume_id');
    if (!volumes.has(id)) throw new VolumeNotFoundError(id);
    if (jobs.volumesInUse().has(id)) throw new VolumeInUseError([id]);
    await volumes.destroy(id);
    return c.body(null, 200);
  });
}
