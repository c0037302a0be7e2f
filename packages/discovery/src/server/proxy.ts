/**
 * Proxy mode: a discoverd node that is not a raft member answers every request
 * with a `307` to a random peer (same path and query), and no `Discoverd-*`
 * headers, except the ones it handles itself: `POST /raft/promote`,
 * `POST /raft/demote`, `POST /shutdown` (the original's whitelist, matched by
 * path prefix as there), plus `GET /ping` and `GET /.well-known/status`.
 *
 * A GET gets Go's `http.Redirect` HTML body, other methods an empty body.
 * Fixed on purpose: the `Location` is the peer's own `host:port` (the original
 * kept the request's port), and with no peers the answer is 503 (the original
 * panicked).
 */
import { Hono } from 'hono';
import { cryptoRandom, noopLogger } from '@flynn-ts/core';
import type { Logger, Random } from '@flynn-ts/core';
import type { DiscoveryBackend } from './backend.js';
import { addNodeRoutes, STATUS_PATH } from './http-api-node.js';
import type { ShutdownState } from './http-api-node.js';
import { goNotFound, goRedirect, redirectUrl, serviceUnavailable, SHUTTING_DOWN, thrownResponse } from './http-api-wire.js';

export interface ProxyApiOptions {
  /** The raft peers (`host:port`) to redirect to. */
  peers: () => string[];
  /** Picks the peer. Default {@link cryptoRandom}. */
  random?: Random;
  /** Runs `POST /raft/promote`, `/raft/demote` and `/shutdown` on this node. */
  backendForPromote: Pick<DiscoveryBackend, 'promote' | 'demote' | 'shutdown'>;
  /** Reported by `/.well-known/status`. Default `dev`. */
  version?: string;
  logger?: Logger;
}

export const NO_KNOWN_PEERS = 'discoverd: no known peers';

const WHITELIST = ['/raft/promote', '/raft/demote', '/shutdown'];

/** True when a proxy answers the request itself instead of redirecting it. */
export function isProxyLocal(method: string, path: string): boolean {
  if (WHITELIST.some((prefix) => path.startsWith(prefix))) return true;
  return method === 'GET' && (path === '/ping' || path === STATUS_PATH);
}

/** The 307 to a random peer, or 503 when there is none. */
export function proxyRedirect(req: Request, peers: readonly string[], random: Random): Response {
  if (peers.length === 0) return serviceUnavailable(NO_KNOWN_PEERS);
  return goRedirect(req.method, redirectUrl(req.url, random.pick(peers)));
}

/** A fetch app for a node in proxy mode. */
export function createProxyApi(options: ProxyApiOptions): Hono {
  return buildProxyApi(options, { shuttingDown: false });
}

/** Also used by the member API when its node is not (or no longer) a raft member. */
export function buildProxyApi(options: ProxyApiOptions, state: ShutdownState): Hono {
  const logger = options.logger ?? noopLogger;
  const random = options.random ?? cryptoRandom();
  const app = new Hono();
  app.use(async (c, next) => {
    if (state.shuttingDown) return serviceUnavailable(SHUTTING_DOWN);
    if (!isProxyLocal(c.req.method, c.req.path)) {
      return proxyRedirect(c.req.raw, options.peers(), random);
    }
    await next();
  });
  addNodeRoutes(app, { backend: options.backendForPromote, state, version: options.version ?? 'dev', logger });
  app.notFound(() => goNotFound());
  app.onError((err) => thrownResponse(err, logger));
  return app;
}
