/**
 * The router's HTTP API (reference §7.5), on its own port: `GET /events`
 * (SSE of router events, `?types=set,remove,backend-up,backend-down,
 * backend-drained`; all types when omitted), `GET /.well-known/status`, and
 * `GET /routes` (the routes in effect, certificates without keys) for
 * operators. A fetch handler: tests call `app.request()` with no port.
 */
import type { Logger } from '@flynn-ts/core';
import { createApi, sseResponse } from '@flynn-ts/core/http';
import type { Hono } from 'hono';
import type { Route } from '../core/types.js';
import type { ControlPlane } from '../control/control-plane.js';
import { parseEventTypes } from './event-types.js';

export { parseEventTypes } from './event-types.js';

export interface RouterApiOptions {
  version?: string;
  logger?: Logger;
  /** Extra detail for `/.well-known/status` (e.g. in-flight counts). */
  statusDetail?: () => Record<string, unknown>;
  /** SSE keep-alive comment interval. Default 30 000. */
  keepAliveMs?: number;
}

export function createRouterApi(control: ControlPlane, options: RouterApiOptions = {}): Hono {
  const app = createApi({
    name: 'router',
    version: options.version ?? 'dev',
    ...(options.logger ? { logger: options.logger } : {}),
    status: () => ({ healthy: true, detail: { ...control.status(), ...options.statusDetail?.() } }),
  });
  app.get('/events', (c) => {
    const types = parseEventTypes(c.req.query('types'));
    return sseResponse(
      async (send, signal) => {
        for await (const event of control.subscribe(types, signal)) await send({ data: event });
      },
      { keepAliveMs: options.keepAliveMs ?? 30_000 },
    );
  });
  app.get('/routes', (c) => c.json(control.routes().map(withoutKey)));
  return app as unknown as Hono;
}

function withoutKey(r: Route): Route {
  if (r.type !== 'http' || r.certificate === undefined) return r;
  return { ...r, certificate: { ...r.certificate, key: '' } };
}
