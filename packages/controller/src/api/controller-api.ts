/**
 * The controller's HTTP API as a hono app (a fetch handler: tests call
 * `app.request(...)`, the daemon binds it with `serve()`), wire-compatible
 * with the original (reference §5.2–5.6).
 *
 * Request pipeline: request id + logging, CORS "allow all" (from
 * `createApi`; bodies are limited to 1 MiB as they are read);
 * `GET /.well-known/status` (open, probes the database);
 * 503 while shutting down; `GET /ping` (open); authentication; a trailing
 * slash redirect (as the original's router); the resource routes.
 */
import { createApi } from '@flynn-ts/core/http';
import type { ApiDeps, ControllerApp } from './context.js';
import { basicAuthPassword } from './auth.js';
import { unavailable } from '../errors.js';
import { mountAppRoutes } from './app-routes.js';
import { mountDeploymentRoutes } from './deployment-routes.js';
import { mountEventRoutes } from './event-routes.js';
import { mountFormationRoutes } from './formation-routes.js';
import { mountJobRoutes } from './job-routes.js';
import { mountLogRoutes } from './log-routes.js';
import { mountReleaseRoutes } from './release-routes.js';
import { mountResourceRoutes } from './resource-routes.js';
import { mountRouteRoutes } from './route-routes.js';

export interface ControllerApiOptions {
  /** Reported by `/.well-known/status`. Default `dev`. */
  version?: string;
}

export function createControllerApi(deps: ApiDeps, options: ControllerApiOptions = {}): ControllerApp {
  const app = createApi({
    name: 'controller',
    version: options.version ?? 'dev',
    logger: deps.logger,
    clock: deps.clock,
    cors: true,
    // Bodies are size-checked as they are read (see readBodyText in ./context.ts).
    bodyLimit: false,
    status: async () => {
      await deps.db.query('SELECT 1');
      return { healthy: true };
    },
  }) as ControllerApp;

  app.use(async (c, next) => {
    if (deps.shutdown.aborted) throw unavailable('controller: shutting down');
    await next();
  });
  app.get('/ping', (c) => c.body(null, 200));
  app.use(async (c, next) => {
    let password = basicAuthPassword(c.req.header('authorization'));
    if (!password && c.req.path === '/ca-cert') return next();
    // The original accepts `?key=` for event streams (EventSource cannot set headers).
    if (!password && (c.req.header('accept') ?? '').includes('text/event-stream')) password = c.req.query('key');
    if (!deps.authorizer.check(password)) return c.body(null, 401);
    return next();
  });
  app.use(async (c, next) => {
    const path = c.req.path;
    if (path.length > 1 && path.endsWith('/')) {
      const url = new URL(c.req.url);
      url.pathname = path.replace(/\/+$/, '') || '/';
      return c.redirect(url.pathname + url.search, c.req.method === 'GET' || c.req.method === 'HEAD' ? 301 : 307);
    }
    return next();
  });
  app.get('/ca-cert', (c) => {
    c.header('Content-Type', 'application/x-x509-ca-cert');
    return c.body(deps.caCert ?? '', 200);
  });

  mountAppRoutes(app, deps);
  mountReleaseRoutes(app, deps);
  mountFormationRoutes(app, deps);
  mountJobRoutes(app, deps);
  mountDeploymentRoutes(app, deps);
  mountLogRoutes(app, deps);
  mountRouteRoutes(app, deps);
  mountResourceRoutes(app, deps);
  mountEventRoutes(app, deps);
  return app;
}
