/**
 * The flynn-host HTTP API (reference §2.2) as a hono app: jobs, job events
 * (SSE), job logs, host status/tags/discoverd/network/resource-check and
 * directory volumes, wire-compatible with the original. `POST /attach` needs
 * the raw socket and is served by the upgrade handler (../attach); here it
 * only answers requests that did not ask for the upgrade.
 *
 * Error bodies are `{code, message, detail?, retry}` with the original's
 * codes; bad input is always a 4xx.
 */
import type { Hono } from 'hono';
import type { Clock, Logger } from '@flynn-ts/core';
import { FlynnError } from '@flynn-ts/core';
import type { ApiEnv } from '@flynn-ts/core/http';
import { createApi } from '@flynn-ts/core/http';
import type { JobManager } from '../job/job-manager.js';
import type { VolumeManager } from '../volume/volume-manager.js';
import { ATTACH_PROTOCOL } from '../attach/core/attach-codec.js';
import type { HostControl } from './host-control.js';
import { jobEventStream, wantsEventStream } from './event-stream.js';
import { logResponse } from './log-response.js';
import { parseDiscoverdBody, parseLogQuery, parseNetworkBody, parseResourceCheckBody, parseSignal, parseTagsBody } from './request-bodies.js';
import { readJsonBody } from './read-body.js';
import { volumeRoutes } from './volume-routes.js';

export interface HostApiOptions {
  jobs: JobManager;
  host: HostControl;
  volumes?: VolumeManager;
  version?: string;
  logger?: Logger;
  clock?: Clock;
  /** Aborts when the server closes: open event and log streams end. */
  closing?: AbortSignal;
  /** SSE keep-alive comment interval. Default 30 000 ms (core's default). */
  keepAliveMs?: number;
}

export function createHostApi(options: HostApiOptions): Hono<ApiEnv> {
  const { jobs, host } = options;
  const app = createApi({
    name: 'flynn-host',
    version: options.version ?? '0.1.0',
    // Bodies are limited by readJsonBody (see ./read-body.ts).
    bodyLimit: false,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const streamOptions = {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.keepAliveMs !== undefined ? { keepAliveMs: options.keepAliveMs } : {}),
    ...(options.closing ? { signal: options.closing } : {}),
  };
  const readBody = (req: { raw: Request }) => readJsonBody(req.raw);

  app.get('/ping', (c) => c.body(null, 200));

  app.get('/host/jobs', (c) => {
    if (wantsEventStream(c.req.header('accept'))) return jobEventStream(jobs, 'all', streamOptions);
    return c.json(jobs.list({ active: c.req.query('active') === 'true' }));
  });

  app.get('/host/jobs/:id', (c) => {
    const id = c.req.param('id');
    if (wantsEventStream(c.req.header('accept'))) return jobEventStream(jobs, id, streamOptions);
    const job = jobs.get(id);
    if (!job) return c.json({ code: 'object_not_found', message: 'host: unknown job', retry: false }, 404);
    return c.json(job);
  });

  app.put('/host/jobs/:id', async (c) => {
    const job = jobs.validate(c.req.param('id'), await readBody(c.req));
    await jobs.add(job);
    return c.json({});
  });

  app.delete('/host/jobs/:id', async (c) => {
    await jobs.stop(c.req.param('id'));
    return c.body(null, 200);
  });

  app.put('/host/jobs/:id/signal/:signal', async (c) => {
    const signal = parseSignal(c.req.param('signal'));
    await jobs.signal(c.req.param('id'), signal);
    return c.body(null, 200);
  });

  app.put('/host/jobs/:id/discoverd-deregister', async (c) => {
    await jobs.discoverdDeregister(c.req.param('id'));
    return c.body(null, 200);
  });

  app.get('/host/jobs/:id/log', (c) => {
    const q = parseLogQuery(c.req.query());
    const ctl = new AbortController();
    const opts: { lines?: number; follow: boolean; signal: AbortSignal } = { follow: q.follow, signal: ctl.signal };
    if (q.lines !== undefined) opts.lines = q.lines;
    const lines = jobs.jobLog(c.req.param('id'), opts);
    return logResponse(lines, ctl, q.format, options.closing);
  });

  app.post('/host/discoverd', async (c) => {
    await host.configureDiscoverd(parseDiscoverdBody(await readBody(c.req)));
    return c.body(null, 200);
  });

  app.post('/host/network', async (c) => {
    await host.configureNetwork(parseNetworkBody(await readBody(c.req)));
    return c.body(null, 200);
  });

  app.get('/host/status', (c) => c.json(host.status()));

  app.post('/host/tags', async (c) => {
    await host.updateTags(parseTagsBody(await readBody(c.req)));
    return c.body(null, 200);
  });

  app.post('/host/resource-check', async (c) => {
    const { ports } = parseResourceCheckBody(await readBody(c.req));
    const conflicts = await host.portsInUse(ports);
    if (conflicts.length > 0) {
      throw new FlynnError('FLYNN_HOST_RESOURCE_CONFLICT', 'Conflicting resources found', { apiCode: 'conflict', detail: { ports: conflicts } });
    }
    return c.json({});
  });

  app.post('/attach', () => {
    throw new FlynnError('FLYNN_HOST_ATTACH_UPGRADE', `POST /attach needs "Connection: upgrade" and "Upgrade: ${ATTACH_PROTOCOL}"`, { apiCode: 'bad_request' });
  });

  if (options.volumes) volumeRoutes(app, options.volumes, jobs);
  return app;
}
