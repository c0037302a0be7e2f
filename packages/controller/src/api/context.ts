/** What the API handlers share: their dependencies and small request helpers. */
import { FlynnError } from '@flynn-ts/core';
import type { Clock, Logger } from '@flynn-ts/core';
import type { ApiEnv } from '@flynn-ts/core/http';
import { parseJsonBody } from '@flynn-ts/core/http';
import type { Context, Hono } from 'hono';
import type { Database } from '../db/database.js';
import type { EventHub } from '../events/event-hub.js';
import type { HostClientFor } from '../host-client.js';
import type { JobLauncher } from '../jobs/job-launcher.js';
import type { ProviderClient } from '../provider-client.js';
import type { KeyAuthorizer } from './auth.js';

export interface ApiDeps {
  db: Database;
  hub: EventHub;
  authorizer: KeyAuthorizer;
  providers: ProviderClient;
  hostClientFor?: HostClientFor | undefined;
  /** Runs one-off jobs (`POST /apps/:id/jobs`); without it they answer 503. */
  jobs?: JobLauncher | undefined;
  /** The log aggregators' API base URLs (`GET /apps/:id/log`); without it logs answer 503. */
  logAggregators?: (() => Promise<readonly string[]>) | undefined;
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

/** Largest accepted request body. */
export const BODY_LIMIT = 1024 * 1024;

/**
 * The request body as text, refusing more than {@link BODY_LIMIT} bytes (400
 * `request_body_too_big`) without buffering more than that. (The controller
 * enforces this itself rather than with hono's bodyLimit middleware, which
 * fails on body-less DELETE/PUT requests under the node adapter.)
 */
export async function readBodyText(c: ApiContext, limit = BODY_LIMIT): Promise<string> {
  const length = c.req.header('content-length');
  if (length !== undefined && Number(length) > limit) throw tooBig(limit);
  const body = c.req.raw.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooBig(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooBig(limit: number): FlynnError {
  return new FlynnError('FLYNN_HTTP_BODY_TOO_BIG', `request body exceeds ${limit} bytes`, { apiCode: 'request_body_too_big' });
}

/** The request body as JSON (400 `syntax_error` when it is not). */
export async function readJson(c: ApiContext): Promise<unknown> {
  return parseJsonBody(await readBodyText(c));
}

/** The request body as JSON, or `{}` when empty (endpoints whose body is optional). */
export async function readOptionalJson(c: ApiContext): Promise<unknown> {
  const text = await readBodyText(c);
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
