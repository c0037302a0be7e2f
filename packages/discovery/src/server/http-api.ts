/**
 * The discoverd HTTP API as a fetch app (hono), wire-compatible with the
 * original (reference §1.3, wire-observed §1–3, 6). Tests call
 * `app.request(...)`; a daemon binds `app.fetch` with `serve()` from
 * `@flynn-ts/core/http`.
 *
 * Per request, in this order:
 * 1. after a successful `POST /shutdown`: 503 "discoverd: shutting down";
 * 2. while `backend.isMember()` is false (proxy mode): the proxy behaviour of
 *    ./proxy.ts, with `backend.peers()` as the peers;
 * 3. otherwise the member routes, every response carrying
 *    `Discoverd-Index` (read *before* the request runs, as the original) and
 *    `Discoverd-Peers` (comma list, leader first).
 *
 * Unknown routes and HEAD answer Go's text 404, as the original's router.
 *
 * `createDiscoveryHttp` also returns `handleNode`, a fast path for the hot
 * endpoints on the raw node:http objects (see ./http-fast-path.ts): same
 * bytes, without the fetch `Request`/`Response` machinery. A server that can
 * offer it the raw objects calls it first (see `discoveryFetchHandler`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Hono } from 'hono';
import { cryptoRandom, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { DiscoveryBackend } from './backend.js';
import { DEFAULT_BODY_LIMIT } from './http-api-body.js';
import { addNodeRoutes } from './http-api-node.js';
import type { ShutdownState } from './http-api-node.js';
import { addMemberRoutes } from './http-api-routes.js';
import { goNotFound, peerList, serviceUnavailable, SHUTTING_DOWN, thrownResponse } from './http-api-wire.js';
import { createFastPath } from './http-fast-path.js';
import type { NodeHandler } from './http-fast-path.js';
import { buildProxyApi } from './proxy.js';
import { DEFAULT_KEEP_ALIVE_MS, DEFAULT_STREAM_BUFFER } from './sse-stream.js';

export interface DiscoveryApiOptions {
  /** Reported by `/.well-known/status`. Default `dev` (what the original reports). */
  version?: string;
  logger?: Logger;
  /** Drives SSE keep-alives. Default the system clock. */
  clock?: Clock;
  /** SSE keep-alive after this much silence, in ms. Default 30 000; 0 disables. */
  keepAliveMs?: number;
  /** Picks the peer a proxy-mode node redirects to. Default {@link cryptoRandom}. */
  random?: Random;
  /** Unread live events a stream may hold before it is ended (see ./sse-stream.ts). Default 1024. */
  streamBufferSize?: number;
  /** Largest request body in bytes. Default 1 MiB; larger → 400 `request_body_too_big`. */
  bodyLimit?: number;
  /** Ends every open event stream when it aborts (e.g. `serve()`'s `closing` signal). */
  signal?: AbortSignal;
}

export function createDiscoveryApi(backend: DiscoveryBackend, options: DiscoveryApiOptions = {}): Hono {
  return createDiscoveryHttp(backend, options).app;
}

export interface DiscoveryHttp {
  /** The whole API as a fetch app. */
  app: Hono;
  /**
   * The fast path for the hot endpoints on node:http objects: returns true
   * when it took the request (it answers on `res` itself), false to let `app`
   * answer it (nothing was read or written then).
   */
  handleNode: NodeHandler;
}

/** {@link createDiscoveryApi} plus its node:http fast path, sharing one shutdown state. */
export function createDiscoveryHttp(backend: DiscoveryBackend, options: DiscoveryApiOptions = {}): DiscoveryHttp {
  const logger = (options.logger ?? noopLogger).child({ api: 'discoverd' });
  const version = options.version ?? 'dev';
  const state: ShutdownState = { shuttingDown: false };
  const proxy = buildProxyApi(
    { peers: () => backend.peers(), random: options.random ?? cryptoRandom(), backendForPromote: backend, version, logger },
    state,
  );

  const app = new Hono();
  app.use(async (c, next) => {
    if (state.shuttingDown) return serviceUnavailable(SHUTTING_DOWN);
    if (!backend.isMember()) return proxy.fetch(c.req.raw);
    if (c.req.method === 'HEAD') {
      const res = goNotFound();
      setClusterHeaders(res.headers, backend.lastIndex(), peerList(backend));
      return res;
    }
    const index = backend.lastIndex();
    const peers = peerList(backend);
    await next();
    setClusterHeaders(c.res.headers, index, peers);
  });
  addNodeRoutes(app, { backend, state, version, logger });
  addMemberRoutes(app, {
    backend,
    logger,
    clock: options.clock ?? systemClock,
    keepAliveMs: options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS,
    bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT,
    streamBufferSize: options.streamBufferSize ?? DEFAULT_STREAM_BUFFER,
    signal: options.signal,
  });
  app.notFound(() => goNotFound());
  app.onError((err) => thrownResponse(err, logger));
  const handleNode = createFastPath({ backend, logger, state, bodyLimit: options.bodyLimit ?? DEFAULT_BODY_LIMIT });
  return { app, handleNode };
}

/**
 * What a fetch handler running under `@hono/node-server` (`serve()` from
 * `@flynn-ts/core/http`) returns after answering on the raw node:http objects
 * itself (its documented `x-hono-already-sent`). One shared, body-less
 * instance: the adapter only reads its headers.
 */
export const ALREADY_SENT: Response = new Response(null, { headers: { 'x-hono-already-sent': 'true' } });

/**
 * A `serve()` handler for {@link createDiscoveryHttp}'s pair: the fast path
 * when it takes the request, the app otherwise.
 */
export function discoveryFetchHandler(http: DiscoveryHttp): (req: Request, env?: { incoming?: IncomingMessage; outgoing?: ServerResponse }) => Response | Promise<Response> {
  return (req, env) => {
    if (env?.incoming && env.outgoing && http.handleNode(env.incoming, env.outgoing)) return ALREADY_SENT;
    return http.app.fetch(req);
  };
}

/** Every response here is built by this package, so its headers are mutable. */
function setClusterHeaders(headers: Headers, index: number, peers: string | undefined): void {
  if (peers !== undefined) headers.set('Discoverd-Peers', peers);
  headers.set('Discoverd-Index', String(index));
}
