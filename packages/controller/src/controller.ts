/**
 * A whole controller in one call, for the daemon and for programs that embed
 * it: a connection pool, the migrations (under their advisory lock), the
 * event hub (LISTEN) and the HTTP API as a fetch handler. Binding it to a
 * socket is the caller's job (`serve(controller.fetch)` from
 * @flynn-ts/core/http).
 */
import { setMaxListeners } from 'node:events';
import { cryptoRandom, noopLogger, systemClock } from '@flynn-ts/core';
import type { Clock, Logger, Random } from '@flynn-ts/core';
import type { ControllerApiOptions } from './api/controller-api.js';
import { createControllerApi } from './api/controller-api.js';
import type { ControllerApp } from './api/context.js';
import { KeyAuthorizer } from './api/auth.js';
import { normalizeDomain } from './core/route-input.js';
import { Database } from './db/database.js';
import type { DatabaseConfig } from './db/database.js';
import { migrate } from './db/migrate.js';
import { EventHub } from './events/event-hub.js';
import type { HostClientFor } from './host-client.js';
import { httpProviderClient } from './provider-client.js';
import type { ProviderClient } from './provider-client.js';

export interface ControllerOptions {
  /** A connection string or pg pool config. */
  database: DatabaseConfig;
  /** Accepted API keys (`AUTH_KEY`, comma-separated there); at least one. */
  authKeys: readonly string[];
  /** `DEFAULT_ROUTE_DOMAIN`: new non-system apps get `<name>.<domain>`. */
  defaultRouteDomain?: string;
  /** `CA_CERT`, served by `GET /ca-cert`. */
  caCert?: string;
  /** How job kills reach hosts; without it, kills answer 503. */
  hostClientFor?: HostClientFor;
  /** Default: HTTP to the provider URLs. */
  providers?: ProviderClient;
  /** Shifts generated app names (`NAME_SEED`). */
  nameSeed?: number;
  /** Apply pending migrations at start. Default true. */
  migrate?: boolean;
  /** Pool size. Default 20. */
  poolSize?: number;
  /** SSE keep-alive interval. Default 30 000 ms. */
  sseKeepAliveMs?: number;
  /** Event hub safety poll. Default 5000 ms. */
  eventPollMs?: number;
  api?: ControllerApiOptions;
  logger?: Logger;
  clock?: Clock;
  random?: Random;
}

export interface Controller {
  /** The HTTP API. */
  readonly fetch: ControllerApp['fetch'];
  readonly app: ControllerApp;
  readonly db: Database;
  readonly events: EventHub;
  /** Rotate keys at runtime with `authorizer.setKeys([...])`. */
  readonly authorizer: KeyAuthorizer;
  /** Ends every event stream and answers 503 from now on. Call before closing the HTTP server. */
  shutdown(): void;
  /** `shutdown()`, then stops the event hub and closes the pool. Idempotent. */
  close(): Promise<void>;
}

export async function createController(options: ControllerOptions): Promise<Controller> {
  const logger = options.logger ?? noopLogger;
  const clock = options.clock ?? systemClock;
  const authorizer = new KeyAuthorizer(options.authKeys);
  const defaultRouteDomain = options.defaultRouteDomain ? normalizeDomain(options.defaultRouteDomain) : undefined;
  const db = new Database(options.database, { logger, ...(options.poolSize !== undefined ? { max: options.poolSize } : {}) });
  const shutdownCtl = new AbortController();
  // Every open event stream listens on this signal.
  setMaxListeners(0, shutdownCtl.signal);
  let hub: EventHub | undefined;
  try {
    if (options.migrate !== false) await migrate(db.pool, { logger });
    hub = new EventHub(db, { logger, clock, random: options.random ?? cryptoRandom(), ...(options.eventPollMs !== undefined ? { pollMs: options.eventPollMs } : {}) });
    await hub.start();
  } catch (err) {
    await hub?.close();
    await db.close();
    throw err;
  }
  const events = hub;
  const app = createControllerApi(
    {
      db,
      hub: events,
      authorizer,
      providers: options.providers ?? httpProviderClient(),
      hostClientFor: options.hostClientFor,
      defaultRouteDomain,
      caCert: options.caCert,
      nameSeed: options.nameSeed ?? 0,
      logger,
      clock,
      sseKeepAliveMs: options.sseKeepAliveMs ?? 30_000,
      shutdown: shutdownCtl.signal,
    },
    options.api,
  );
  let closed: Promise<void> | undefined;
  const shutdown = () => {
    if (!shutdownCtl.signal.aborted) shutdownCtl.abort();
  };
  return {
    fetch: app.fetch,
    app,
    db,
    events,
    authorizer,
    shutdown,
    close() {
      closed ??= (async () => {
        shutdown();
        await events.close();
        await db.close();
      })();
      return closed;
    },
  };
}
