/** What the API handlers share: their dependencies and small request helpers. */
import type { Clock, Logger } from '@flynn-ts/core';
import type { ApiEnv } from '@flynn-ts/core/http';
import { parseJsonBody } from '@flynn-ts/core/http';
import type { Context, Hono } from 'hono';
import type { Database } from '../db/database.js';
import type { EventHub } from '../events/event-hub.js';
import type { HostClientFor } from '../host-client.js';
import type { ProviderClient } from '../provider-client.js';
import type { KeyAuthorizer } from './auth.js';

export interface ApiDeps {
  db: Database;
  hub: EventHub;
  authorizer: KeyAuthorizer;
  providers: ProviderClient;
  hostClientFor?: HostClientFor | undefined;
  /** Non-system apps get the route `<name>.<domain>` when set. */
  defaultRouteDomain?: string | undefined;
  /** Served by `GET /ca-cert`. */
  caCert?: string | undefined;
  nameSeed: number;
  logger: Logger;
  clock: Clock;
  /** Keep-alive comment interval of SSE streams. */
  sseKeepAliveMs: number;
  /** Aborts when the controller shuts down: streams end, new requests get 503. */
  shutdown: AbortSignal;
}

export type ControllerApp = Hono<ApiEnv>;
export type ApiContext = Context<ApiEnv>;

/** The request body as JSON (400 `syntax_error` when it is not). */
export async function readJson(c: ApiContext): Promise<unknown> {
  return parseJsonBody(await c.req.text());
}

/** The request body as JSON, or `{}` when empty (endpoints whose body is optional). */
export async function readOptionalJson(c: ApiContext): Promise<unknown> {
  const text = await c.req.text();
  return text.trim() === '' ? {} : parseJsonBody(text);
}

/** A path parameter (always present for the routes that declare it). */
export function param(c: ApiContext, name: string): string {
  return c.req.param(name) ?? '';
}

/** True when the client asked for an event stream (`Accept: text/event-stream`). */
export function wantsEventStream(c: ApiContext): boolean {
  return (c.req.header('accept') ?? '').includes('text/event-stream');
}

/** An empty 200, as the original answers deletes. */
export function ok(c: ApiContext): Response {
  return c.body(null, 200);
}
