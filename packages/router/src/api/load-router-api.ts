/**
 * The router API, loaded on demand. The API pulls in the HTTP framework and
 * client stack of `@flynn-ts/core/http`; a process that only proxies (a
 * cluster worker) never loads it, and measurably proxies faster for it (about
 * 1.5 µs less CPU per request on the benchmark machine).
 */
import type { Logger } from '@flynn-ts/core';
import type { HttpServerHandle } from '@flynn-ts/core/http';
import type { Hono } from 'hono';
import type { ControlPlane } from '../control/control-plane.js';
import type { RouterApiOptions } from './router-api.js';

export async function createRouterApi(control: ControlPlane, options: RouterApiOptions = {}): Promise<Hono> {
  const m = await import('./router-api.js');
  return m.createRouterApi(control, options);
}

/** Serves a fetch handler on a node:http server (`@flynn-ts/core/http` `serve`, loaded on demand). */
export async function serveApi(
  fetch: Hono['fetch'],
  options: { port: number; host: string; logger?: Logger },
): Promise<HttpServerHandle> {
  const { serve } = await import('@flynn-ts/core/http');
  return serve(fetch, { ...options, graceMs: 1_000 });
}
