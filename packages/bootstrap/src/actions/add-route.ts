/** `add-route`: a route to an app's service, with the certificate of a gen-tls-cert step for http routes. */
import type { NewRoute, Route } from '@flynn-ts/controller';
import { FlynnError } from '@flynn-ts/core';
import type { AddRouteStep } from '../core/manifest-types.js';
import { optInt } from '../core/render-step.js';
import type { Action } from '../step-context.js';
import { stepApp } from './controller-app.js';
import type { TlsCertData } from './gen-tls-cert.js';

export const addRoute: Action<AddRouteStep> = async (ctx) => {
  const { step } = ctx;
  const client = await ctx.controller();
  const app = await stepApp(ctx, client, step.app_step, step.app);
  const r = step.route;
  const route: Record<string, unknown> = { type: r.type, service: r.service };
  if (r.domain !== undefined) route.domain = r.domain;
  const port = optInt(r.port, 'route.port', ctx.at);
  if (port !== undefined) route.port = port;
  for (const k of ['path', 'sticky', 'leader', 'drain_backends'] as const) if (r[k] !== undefined) route[k] = r[k];
  if (step.cert_step) {
    const cert = ctx.state.stepData[step.cert_step] as TlsCertData;
    route.certificate = { cert: cert.Cert, key: cert.PrivateKey };
  }
  let created: Route;
  try {
    created = await client.createRoute(app.id, route as NewRoute);
  } catch (err) {
    // The controller may have made this route already (DEFAULT_ROUTE_DOMAIN gives new apps <name>.<domain>).
    const same = FlynnError.is(err) && err.status === 409 ? (await client.appRouteList(app.id)).find((x) => sameRoute(x, route)) : undefined;
    if (!same) throw err;
    created = same;
  }
  return { data: { route: { id: created.id, type: created.type, service: created.service, ...(created.type === 'http' ? { domain: created.domain } : { port: created.port }) } } };
};

function sameRoute(existing: Route, wanted: Record<string, unknown>): boolean {
  if (existing.type !== wanted.type || existing.service !== wanted.service) return false;
  if (existing.type === 'tcp') return wanted.port === undefined || existing.port === wanted.port;
  return existing.domain === wanted.domain && (wanted.path ?? '/') === existing.path;
}
