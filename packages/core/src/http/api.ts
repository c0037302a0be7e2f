/**
 * The shape every flynn-ts control-plane API shares (reference §0.2), as a hono
 * app to add routes to: `X-Request-Id`, JSON error bodies for anything thrown,
 * a JSON 404, `GET /.well-known/status`, a request body limit and optional CORS.
 *
 * The result is a fetch handler: tests call `app.request(path)` with no port;
 * `serve()` (./node-server.ts) binds it to a socket in a daemon.
 */
import { Hono } from 'hono';
import type { Context } from 'hono';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { channels, publish } from '../diagnostics.js';
import type { ErrorBody } from '../errors.js';
import { apiCodeForStatus, FlynnError, toErrorResponse } from '../errors.js';
import type { Logger } from '../logger.js';
import { noopLogger } from '../logger.js';

/** Variables every handler can read with `c.get(...)` / `c.var`. */
export interface ApiVariables {
  /** The request's `X-Request-Id` (the caller's, or a new UUID). */
  requestId: string;
  /** The API's logger with `requestId` bound. */
  logger: Logger;
}

/** The hono Env of an app made by {@link createApi}; `V` adds the app's own variables. */
export interface ApiEnv<V extends object = object> {
  Variables: ApiVariables & V;
}

export interface StatusReport {
  healthy: boolean;
  detail?: unknown;
}

export type CorsOptions = NonNullable<Parameters<typeof cors>[0]>;

export interface ApiOptions {
  /** Service name, added to log lines and diagnostics events. */
  name: string;
  /** Reported by `GET /.well-known/status`. */
  version: string;
  /** Health probe for `/.well-known/status`; throwing counts as unhealthy. Default: always healthy. */
  status?: () => StatusReport | Promise<StatusReport>;
  logger?: Logger;
  /** Largest accepted request body in bytes, or `false` for none. Default 1 MiB. */
  bodyLimit?: number | false;
  /** `true` allows every origin (the controller's policy); an object is passed to hono's `cors()`. */
  cors?: boolean | CorsOptions;
  /** Measures request durations. Default the system clock. */
  clock?: Clock;
}

export const STATUS_PATH = '/.well-known/status';
const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** "Allow all" CORS as the original controller had it. */
const ALLOW_ALL_CORS: CorsOptions = {
  origin: (origin) => origin || '*',
  allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
  allowHeaders: ['Authorization', 'Accept', 'Content-Type', 'If-Match', 'If-None-Match', 'X-Request-Id'],
  exposeHeaders: ['ETag', 'X-Request-Id'],
  credentials: true,
  maxAge: 3600,
};

/** A hono app with the shared control-plane conventions wired in. Add routes to it. */
export function createApi<V extends object = object>(options: ApiOptions): Hono<ApiEnv<V>> {
  const app = new Hono<ApiEnv>();
  const base = (options.logger ?? noopLogger).child({ api: options.name });
  const clock = options.clock ?? systemClock;

  app.use(requestId());
  app.use(async (c, next) => {
    const id = c.get('requestId');
    const logger = base.child({ requestId: id });
    c.set('logger', logger);
    const start = clock.monotonic();
    const { method } = c.req;
    const path = c.req.path;
    publish(channels.httpRequest, { api: options.name, method, path, requestId: id });
    await next();
    const durationMs = clock.monotonic() - start;
    publish(channels.httpResponse, { api: options.name, method, path, requestId: id, status: c.res.status, durationMs });
    logger.debug({ method, path, status: c.res.status, durationMs }, 'request');
  });
  if (options.cors) app.use(cors(options.cors === true ? ALLOW_ALL_CORS : options.cors));
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (limit !== false) {
    app.use(async (c, next) => {
      const raw = c.req.raw;
      if (!raw.body) return next();
      const tooBig = () => jsonError(c, new FlynnError('FLYNN_HTTP_BODY_TOO_BIG', `request body exceeds ${limit} bytes`, { apiCode: 'request_body_too_big' }));
      const length = raw.headers.get('content-length');
      if (length !== null && !raw.headers.has('transfer-encoding')) return Number.parseInt(length, 10) > limit ? tooBig() : next();
      // A streamed body: read it with the limit, then hand handlers a plain
      // Request. (hono's bodyLimit does `new Request(raw)`, which breaks on the
      // node adapter's lightweight Request when global objects are not overridden.)
      const body = await readLimited(raw.body, limit);
      if (body === undefined) return tooBig();
      c.req.raw = new Request(raw.url, { method: raw.method, headers: raw.headers, body: body.byteLength > 0 ? body : null, signal: raw.signal });
      return next();
    });
  }

  app.onError((err, c) => jsonError(c, err, c.get('logger') ?? base));
  app.notFound((c) => c.json({ code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } satisfies ErrorBody, 404));
  app.get(STATUS_PATH, async (c) => {
    const report = await probe(options.status, c.get('logger'));
    const data: Record<string, unknown> = { status: report.healthy ? 'healthy' : 'unhealthy' };
    if (report.detail !== undefined) data.detail = report.detail;
    data.version = options.version;
    return c.json({ data }, report.healthy ? 200 : 503);
  });
  // `V` only adds variables the app's own middleware sets; the wiring above needs none of them.
  return app as unknown as Hono<ApiEnv<V>>;
}

/** The whole stream, or undefined as soon as it exceeds `limit` bytes. */
async function readLimited(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * Answers with the JSON error body for `err`: a FlynnError's own status and
 * body, a hono HTTPException's status with the matching wire code, anything else
 * 500 `unknown_error` (logged, since it is a bug or an unexpected failure).
 */
export function jsonError(c: Context, err: unknown, logger: Logger = noopLogger): Response {
  const { status, body } = errorResponse(err);
  if (status >= 500) logger.error({ err, status, code: body.code }, 'request failed');
  else logger.debug({ status, code: body.code, message: body.message }, 'request rejected');
  return c.json(body, status as ContentfulStatusCode);
}

function errorResponse(err: unknown): { status: number; body: ErrorBody } {
  if (FlynnError.is(err) || !(err instanceof HTTPException)) return toErrorResponse(err);
  const status = err.status;
  const code = status === 413 ? 'request_body_too_big' : apiCodeForStatus(status);
  return { status: status === 413 ? 400 : status, body: { code, message: err.message || `HTTP ${status}` } };
}

async function probe(status: ApiOptions['status'], logger: Logger): Promise<StatusReport> {
  if (!status) return { healthy: true };
  try {
    return await status();
  } catch (err) {
    logger.warn({ err }, 'status probe failed');
    return { healthy: false, detail: { error: err instanceof Error ? err.message : String(err) } };
  }
}
